"""The customer insight report (客户洞察报告): why customers contact us, what the bot could not
answer, how they felt, who keeps coming back, and who and what is behind the tickets.

The window is `days` whole UTC days ending now (like `stats --period Nd`, bot/reports/period.py);
"previous" is the period of the same length just before it, and every count that moves says
how (`previous`, `change`, `change_pct`; None when there was nothing before). Sections:

- totals: conversations and tickets created, customer turns (router decisions), unanswered
  turns (route fallback), CSAT average — now and before.
- reasons: contact reasons three ways — intents of the customer turns, types of the tickets
  created, categories of the FAQ entries that answered — each with its share and its move.
- unanswered: the fallback turns, and what the customers said in the newest MAX_TEXTS of them
  clustered (bot/reports/clusters.py): count, commonest words and 2-3 masked examples per cluster.
- sentiment_csat: per reason (intent) and per channel, the sentiment of the customer turns
  (negative / neutral / positive / not scored) and the CSAT of the ratings given in the window
  (a rated conversation's reason is its first turn's intent; the channel is the conversation's,
  else the ticket's); also CSAT per ticket type.
- repeat_contacts: customers with a conversation starting within `repeat_within` days of their
  previous one (both in the window): how many, the share of all customers who wrote, and the
  customers with the most repeats, each with their reasons and first words (masked).
- tickets: the customers behind most tickets created in the window (ids masked) with ticket
  types, profile tags and masked titles; the tags behind the tickets (ticket tags, and the
  profile tags of the ticket's customer; case-insensitive).

Customer ids are masked (bot.customers.masking.customer_id), examples pass the phone and e-mail
masking and are shortened; erased customers' anonymous stand-ins are left out of the top lists.
Queries run in parallel on the report reader (one snapshot); the clustering runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.customers import masking
from bot.reports.clusters import Clustering, cluster, example, warm_up
from bot.reports.models import pct
from bot.reports.period import ReportInputError, check_days, utc_now, window

if TYPE_CHECKING:
    from bot.store import Store

MAX_TEXTS = 5000  # newest fallback texts clustered
MAX_REPEAT_WITHIN = 90
MAX_TOP = 100
TAGS = 20
Progress = Callable[[str], None]


def check_repeat_within(days: int, field: str = "repeat_within") -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REPEAT_WITHIN:
        raise ReportInputError(field, f"must be a whole number of days between 1 and {MAX_REPEAT_WITHIN}")
    return days


def check_top(n: int, field: str = "top") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_TOP:
        raise ReportInputError(field, f"must be between 1 and {MAX_TOP}")
    return n


@dataclass(frozen=True, slots=True)
class Move:
    """A count in the window against the previous period, and its share of the window's total."""

    key: str | None
    count: int
    previous: int
    share_pct: float | None = None

    def as_dict(self) -> dict[str, Any]:
        change = self.count - self.previous
        return {"key": self.key, "count": self.count, "share_pct": self.share_pct, "previous": self.previous,
                "change": change, "change_pct": pct(change, self.previous)}


def moves(now: list[tuple[str | None, int]], before: list[tuple[str | None, int]]) -> list[Move]:
    """Every key of either period, largest now first (a reason gone to zero stays visible)."""
    current, previous = dict(now), dict(before)
    total = sum(current.values())
    keys = sorted(set(current) | set(previous), key=lambda k: (-current.get(k, 0), -previous.get(k, 0), str(k)))
    return [Move(k, current.get(k, 0), previous.get(k, 0), pct(current.get(k, 0), total)) for k in keys]


@dataclass(frozen=True, slots=True)
class InsightReport:
    days: int
    start: str
    end: str
    previous_start: str
    repeat_within_days: int
    totals: dict[str, Any]
    reasons: dict[str, list[Move]]
    unanswered: dict[str, Any]
    sentiment_csat: dict[str, Any]
    repeat_contacts: dict[str, Any]
    tickets: dict[str, Any]
    generated_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": "customer-insight/1",
            "days": self.days, "start": self.start, "end": self.end,
            "previous": {"start": self.previous_start, "end": self.start},
            "generated_at": self.generated_at,
            "totals": self.totals,
            "reasons": {name: [m.as_dict() for m in rows] for name, rows in self.reasons.items()},
            "unanswered": self.unanswered,
            "sentiment_csat": self.sentiment_csat,
            "repeat_contacts": {"within_days": self.repeat_within_days, **self.repeat_contacts},
            "tickets": self.tickets,
        }


def _counts(rows: list[dict[str, Any]]) -> list[tuple[str | None, int]]:
    return [(r["key"], int(r["n"])) for r in rows]


def _csat(row: dict[str, Any] | None) -> dict[str, Any]:
    if not row or not row.get("n"):
        return {"count": 0, "average": None, "satisfied_pct": None}
    n = int(row["n"])
    return {"count": n, "average": None if row["avg"] is None else round(row["avg"], 2),
            "satisfied_pct": pct(int(row["satisfied"] or 0), n)}


def _sentiment(rows: list[dict[str, Any]], csat: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """Sentiment counts per key (intent or channel) with the CSAT of that key, busiest first."""
    counts = {r["key"]: r for r in rows}
    out = []
    for k in sorted(set(counts) | set(csat), key=lambda k: (-int(counts[k]["n"]) if k in counts else 0, str(k))):
        r = counts.get(k, {"n": 0, "negative": 0, "neutral": 0, "positive": 0})
        s = {"turns": int(r["n"]), **{label: int(r[label]) for label in ("negative", "neutral", "positive")}}
        scored = s["negative"] + s["neutral"] + s["positive"]
        out.append({"key": k, **s, "unscored": s["turns"] - scored, "negative_pct": pct(s["negative"], scored),
                    "csat": _csat(csat.get(k))})
    return out


def _total(now: float | None, before: float | None) -> dict[str, Any]:
    change = None if now is None or before is None else round(now - before, 2)
    change_pct = round(100.0 * change / before, 2) if change is not None and before else None
    return {"count": now, "previous": before, "change": change, "change_pct": change_pct}


class InsightReports:
    def __init__(self, store: Store, *, now: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._now = now

    async def insight(self, days: int = 30, *, repeat_within: int = 7, top: int = 10,
                      progress: Progress | None = None) -> InsightReport:
        check_days(days)
        check_repeat_within(repeat_within)
        check_top(top)
        say = progress or (lambda _: None)
        w = window(f"{days}d", self._now())
        s, e = w.bounds
        ps = (w.start - (w.end - w.start)).isoformat(timespec="microseconds")
        say("reading the history")
        async with self._store.reports.reader() as r:
            # Slowest first: the read connections take the queries in this order.
            (by_channel, repeats, by_intent, _, texts, conv, conv_before, faq, faq_before, fallbacks,
             fallbacks_before, customer_tags, csat_intent, csat_channel, intents, intents_before, ticket_customers,
             ticket_tags, csat_type, types, types_before, tickets, tickets_before, csat, csat_before,
             ) = await asyncio.gather(
                r.sentiment_by_channel(s, e), r.repeats(s, e, repeat_within, top), r.sentiment_by_intent(s, e),
                asyncio.to_thread(warm_up),  # scikit-learn's import and jieba's dictionary overlap the queries
                r.fallback_texts(s, e, MAX_TEXTS), r.conversations(s, e), r.conversations(ps, s),
                r.faq_categories(s, e), r.faq_categories(ps, s), r.fallbacks(s, e), r.fallbacks(ps, s),
                r.customer_tags(s, e, TAGS), r.csat_by_intent(s, e), r.csat_by_channel(s, e),
                r.intents(s, e), r.intents(ps, s), r.ticket_customers(s, e, top), r.ticket_tags(s, e, TAGS),
                r.csat_by_ticket_type(s, e), r.ticket_types(s, e), r.ticket_types(ps, s),
                r.tickets(s, e), r.tickets(ps, s), r.csat(s, e), r.csat(ps, s),
            )
            repeat, repeat_top = repeats
            say(f"clustering {len(texts):,} unanswered questions")
            repeaters = [x["customer_id"] for x in repeat_top]
            ticketed = [x["customer_id"] for x in ticket_customers]
            clustering, rep_intents, openings, their_tickets = await asyncio.gather(
                asyncio.to_thread(cluster, texts, limit=max(top, 12)),
                r.customer_intents(s, e, repeaters), r.customer_openings(s, e, repeaters),
                r.customer_tickets(s, e, ticketed),
            )
        turns, turns_before = sum(n for _, n in intents), sum(n for _, n in intents_before)
        return InsightReport(
            days=days, start=s, end=e, previous_start=ps, repeat_within_days=repeat_within,
            totals={
                "conversations": _total(int(conv["total"]), int(conv_before["total"])),
                "tickets": _total(int(tickets["created"]), int(tickets_before["created"])),
                "customer_turns": _total(turns, turns_before),
                "unanswered_turns": _total(fallbacks, fallbacks_before),
                "csat_average": _total(_csat(csat)["average"], _csat(csat_before)["average"]),
            },
            reasons={"intents": moves(intents, intents_before), "ticket_types": moves(types, types_before),
                     "faq_categories": moves(faq, faq_before)},
            unanswered=_unanswered(fallbacks, fallbacks_before, turns, clustering),
            sentiment_csat={
                "by_reason": _sentiment(by_intent, {x["key"]: x for x in csat_intent}),
                "by_channel": _sentiment(by_channel, {x["key"]: x for x in csat_channel}),
                "csat_by_ticket_type": [{"key": x["key"], **_csat(x)} for x in csat_type],
            },
            repeat_contacts=_repeats(repeat, repeat_top, rep_intents, openings),
            tickets=_tickets(int(tickets["created"]), ticket_customers, their_tickets, ticket_tags, customer_tags),
            generated_at=self._now().isoformat(timespec="seconds"),
        )


def _unanswered(n: int, before: int, turns: int, c: Clustering) -> dict[str, Any]:
    clusters = {k: v for k, v in c.as_dict().items() if k != "texts"}
    return {"turns": n, "previous": before, "change_pct": pct(n - before, before), "share_of_turns_pct": pct(n, turns),
            "texts_clustered": c.texts, "max_texts": MAX_TEXTS, **clusters}


def _by_customer(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["customer_id"]].append(row)
    return out


def _examples(texts: list[str | None], n: int = 2) -> list[str]:
    out: list[str] = []
    for t in texts:
        if t and (shown := example(t)) not in out:
            out.append(shown)
        if len(out) == n:
            break
    return out


def _repeats(totals: dict[str, Any], top: list[dict[str, Any]], intents: list[dict[str, Any]],
             openings: list[dict[str, Any]]) -> dict[str, Any]:
    reasons, said = _by_customer(intents), _by_customer(openings)
    customers = int(totals["customers"])
    return {
        "customers": customers,
        "repeat_customers": int(totals["repeat_customers"]),
        "repeat_customers_pct": pct(int(totals["repeat_customers"]), customers),
        "repeat_conversations": int(totals["repeat_conversations"]),
        "top": [{"customer": masking.customer_id(x["customer_id"]), "conversations": int(x["conversations"]),
                 "repeats": int(x["repeats"]),
                 "reasons": [{"key": y["key"], "count": int(y["n"])} for y in reasons.get(x["customer_id"], [])[:3]],
                 "examples": _examples([y["text"] for y in said.get(x["customer_id"], [])])} for x in top],
    }


def _tickets(created: int, top: list[dict[str, Any]], theirs: list[dict[str, Any]], ticket_tags: list[dict[str, Any]],
             customer_tags: list[dict[str, Any]]) -> dict[str, Any]:
    rows = _by_customer(theirs)

    def types(customer: str) -> list[dict[str, Any]]:
        counts: dict[str, int] = defaultdict(int)
        for t in rows.get(customer, []):
            counts[t["type"]] += 1
        return [{"key": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]

    def tags(raw: str | None) -> list[str]:
        try:
            return [str(t) for t in json.loads(raw or "[]")][:10]
        except ValueError:
            return []

    return {
        "created": created,
        "top_customers": [{"customer": masking.customer_id(x["customer_id"]), "tickets": int(x["n"]),
                           "share_pct": pct(int(x["n"]), created), "types": types(x["customer_id"]),
                           "tags": tags(x["tags"]),
                           "examples": _examples([t["title"] for t in rows.get(x["customer_id"], [])], 3)}
                          for x in top],
        "ticket_tags": [{"tag": x["label"], "tickets": int(x["n"]), "share_pct": pct(int(x["n"]), created)}
                        for x in ticket_tags],
        "customer_tags": [{"tag": x["label"], "tickets": int(x["n"]), "share_pct": pct(int(x["n"]), created)}
                          for x in customer_tags],
    }


__all__ = ["MAX_REPEAT_WITHIN", "MAX_TOP", "InsightReport", "InsightReports", "Move", "check_repeat_within",
           "check_top", "moves"]
