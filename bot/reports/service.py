"""Reports: support KPIs computed in SQL (`stats`, `agent_performance`, `satisfaction_report`).

Windows (UTC, bot/reports/period.py). `Nd` and `Nw` cover N (or 7·N) whole UTC calendar days
ending today: from 00:00 UTC N−1 days ago up to now, so `7d` is today and the six days before it
and the daily trend has exactly N rows. `Nh` is the rolling last N hours. Every window is
[start, now): a row stamped exactly `now` is not in it.

What each figure means (W = the window; durations in seconds, avg / median / P95, with the
median and P95 interpolated between the two nearest ranks like percentile_cont):

- conversations: conversations created in W. tickets_created: tickets created in W.
  tickets_resolved: tickets whose resolved_at is in W. handoffs: handoff episodes queued in W.
- first response, bot: per conversation created in W, its first customer message → the first bot
  message at or after it (a proactive bot message before the customer spoke does not count;
  conversations without either are left out). Kept per conversation by the triggers of
  migration 5 (conversations.first_customer_message_at / first_bot_reply_at).
- first response, human: per handoff episode queued in W, queued_at → first_agent_reply_at
  (episodes without an agent reply yet are left out).
- first response, ticket: per ticket created in W, created_at → first_response_at.
- resolution time, bot: per conversation created in W that is closed and never had a human
  (had_agent = 0 and no handoff row), created_at → closed_at.
- resolution time, human: per ticket resolved in W, created_at → resolved_at on the SLA clock,
  i.e. minus the time the clock stood still waiting for the customer (paused_seconds; see
  report_sql.py for how a closed ticket's final pause is handled).
- handle time: per handoff episode ended in W that had an agent, assigned_at → ended_at.
- resolution rate: of the tickets created in W, the share now resolved or closed (cancelled
  tickets stay in the denominator).
- bot containment: of the conversations created in W, the share that never had a human
  (had_agent = 0 and no handoff row). handoff rate: the share with at least one handoff row.
  (A conversation still open can later be handed off; the figures are as of now.)
- SLA attainment, per clock (response, resolution): a ticket counts in W when its target was met
  in W (first_response_at / resolved_at in W), or it was flagged breached with its due time in W;
  attainment = counted tickets not flagged breached. The flags are the ticket SLA clock's (set on
  the change that stops a late clock, or by the monitor within its interval); a clock standing
  still while waiting for the customer is not counted until it is met or breached.
- CSAT: ratings given in W; average score, % satisfied = share of scores 4 and 5, distribution.
- tickets per agent: for every agent, tickets assigned to them created in W, tickets assigned to
  them resolved in W, handoff episodes of theirs queued in W; tickets_unassigned = tickets created
  in W with no assignee now. Every agent in the agents table is listed, busiest first.
- channels: conversations created in W per channel. intents: router decisions made in W per
  intent (one per customer turn; null = unclassified). ticket types: tickets created in W per type.
- daily trend: per UTC date of W (every date, zeros included) conversations created, tickets
  created and tickets resolved.

agent_performance(agent_id, days): the same definitions restricted to one agent — tickets assigned
(created in W), tickets resolved in W with their resolution time, their handoff episodes queued in W
and the distinct conversations of those, their own first response on those episodes (assigned_at
→ first_agent_reply_at: the queue wait is not theirs), handle time (their episodes ended in W),
CSAT of the ratings naming them, SLA of the tickets assigned to them.

satisfaction_report(days): CSAT over W, by agent (null = no agent: the bot alone), by channel (of
the rated conversation, else of the rated ticket) and the 20 most recent ratings of 1 or 2.

Counts, shares and percentiles are computed in SQL (bot/store/sqlite/report_sql.py); percentages are
rounded to 2 decimals, seconds to milliseconds, averages of scores to 2 decimals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.reports.agent_models import AgentPerformance, GroupCsat, LowRating, SatisfactionReport
from bot.reports.models import AgentLoad, Csat, Day, DurationStats, Rate, Sla, StatsReport, shares
from bot.reports.period import UnknownAgent, Window, check_days, utc_now, window

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store


def _csat(row: dict[str, Any]) -> Csat:
    avg = row["avg"]
    return Csat(
        count=int(row["n"]),
        average=None if avg is None else round(avg, 2),
        satisfied=int(row["satisfied"]),
        distribution=(int(row["s1"]), int(row["s2"]), int(row["s3"]), int(row["s4"]), int(row["s5"])),
    )


def _sla(row: dict[str, Any]) -> Sla:
    def rate(clock: str) -> Rate:
        return Rate(int(row[f"ok_{clock}"]), int(row[f"met_{clock}"]) + int(row[f"late_{clock}"]))

    return Sla(rate("response"), rate("resolution"))


def _group(row: dict[str, Any]) -> GroupCsat:
    avg = row["avg"]
    return GroupCsat(
        row["key"], row["name"], int(row["n"]), None if avg is None else round(avg, 2), int(row["satisfied"] or 0)
    )


class Reports:
    def __init__(self, settings: Settings, store: Store, *, now: Callable[[], datetime] = utc_now) -> None:
        self._settings = settings
        self._store = store
        self._now = now

    def window(self, period: str) -> Window:
        return window(period, self._now())

    async def stats(self, period: str = "7d") -> StatsReport:
        w = self.window(period)
        s, e = w.bounds
        async with self._store.reports.reader() as r:
            # Slowest first: the read connections take the queries in this order.
            (
                frt_bot,
                res_bot,
                res_human,
                frt_ticket,
                conv,
                frt_human,
                handle,
                sla,
                intents,
                csat,
                tickets,
                handoffs,
                loads,
                days,
                channels,
                types,
            ) = await asyncio.gather(
                r.duration("bot_first_response", s, e),
                r.duration("bot_resolution", s, e),
                r.duration("ticket_resolution", s, e),
                r.duration("ticket_first_response", s, e),
                r.conversations(s, e),
                r.duration("human_first_response", s, e),
                r.duration("handle_time", s, e),
                r.sla(s, e),
                r.intents(s, e),
                r.csat(s, e),
                r.tickets(s, e),
                r.handoffs_queued(s, e),
                r.agent_loads(s, e),
                r.daily(s, e, w.dates()),
                r.channels(s, e),
                r.ticket_types(s, e),
            )
        total = int(conv["total"])
        with_human = int(conv["with_agent"]) + int(conv["handed_off"]) - int(conv["both_"])
        resolution_human = DurationStats.from_row(res_human)
        return StatsReport(
            period=w.label,
            start=s,
            end=e,
            conversations=total,
            tickets_created=int(tickets["created"]),
            tickets_resolved=resolution_human.count,
            handoffs=handoffs,
            first_response_bot=DurationStats.from_row(frt_bot),
            first_response_human=DurationStats.from_row(frt_human),
            first_response_ticket=DurationStats.from_row(frt_ticket),
            resolution_bot=DurationStats.from_row(res_bot),
            resolution_human=resolution_human,
            handle_time=DurationStats.from_row(handle),
            resolution_rate=Rate(int(tickets["done"]), int(tickets["created"])),
            bot_containment=Rate(total - with_human, total),
            handoff_rate=Rate(int(conv["handed_off"]), total),
            sla=_sla(sla),
            csat=_csat(csat),
            agents=tuple(
                AgentLoad(x["agent_id"], x["name"], int(x["tickets"]), int(x["resolved"]), int(x["handoffs"]))
                for x in loads
            ),
            tickets_unassigned=int(tickets["unassigned"]),
            channels=shares(channels),
            intents=shares(intents),
            ticket_types=shares(types),
            daily=tuple(
                Day(x["day"], int(x["conversations"]), int(x["tickets_created"]), int(x["tickets_resolved"]))
                for x in days
            ),
        )

    async def agent_performance(self, agent_id: str, days: int = 30) -> AgentPerformance:
        check_days(days)
        w = self.window(f"{days}d")
        s, e = w.bounds
        async with self._store.reports.reader() as r:
            agent = await r.agent(agent_id)
            if agent is None:
                raise UnknownAgent(agent_id)
            sla, resolution, frt, handle, handoffs, csat, assigned = await asyncio.gather(
                r.sla(s, e, agent_id),
                r.agent_duration("ticket_resolution", agent_id, s, e),
                r.agent_duration("first_response", agent_id, s, e),
                r.agent_duration("handle_time", agent_id, s, e),
                r.agent_handoffs(agent_id, s, e),
                r.csat(s, e, agent_id),
                r.agent_tickets(agent_id, s, e),
            )
        resolution_time = DurationStats.from_row(resolution)
        return AgentPerformance(
            agent_id=agent_id,
            name=agent["name"],
            days=days,
            start=s,
            end=e,
            tickets_assigned=assigned,
            tickets_resolved=resolution_time.count,
            resolution_time=resolution_time,
            handoffs=int(handoffs["n"]),
            conversations_handled=int(handoffs["conversations"]),
            first_response=DurationStats.from_row(frt),
            handle_time=DurationStats.from_row(handle),
            csat=_csat(csat),
            sla=_sla(sla),
        )

    async def satisfaction_report(self, days: int = 30, *, low_limit: int = 20) -> SatisfactionReport:
        check_days(days)
        w = self.window(f"{days}d")
        s, e = w.bounds
        async with self._store.reports.reader() as r:
            by_channel, by_agent, csat, low = await asyncio.gather(
                r.csat_by_channel(s, e), r.csat_by_agent(s, e), r.csat(s, e), r.low_ratings(s, e, 2, low_limit)
            )
        return SatisfactionReport(
            days=days,
            start=s,
            end=e,
            csat=_csat(csat),
            by_agent=tuple(_group(x) for x in by_agent),
            by_channel=tuple(_group(x) for x in by_channel),
            low_ratings=tuple(LowRating(**x) for x in low),
        )
