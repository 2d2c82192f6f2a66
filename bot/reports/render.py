"""Rich tables for the reports (the CLI's default output; `--json` prints `as_dict()` instead)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.reports.agent_models import AgentPerformance, GroupCsat, SatisfactionReport
from bot.reports.models import Csat, DurationStats, Rate, Share, StatsReport

DASH = "–"
TOP = 10  # rows of the long lists shown in a table (the JSON has them all)


def human_seconds(value: float | None) -> str:
    """1.2s · 3m 20s · 9h 14m · 2d 3h."""
    if value is None:
        return DASH
    if value < 60:
        return f"{value:.1f}s"
    minutes, seconds = divmod(round(value), 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}%"


def _rate(rate: Rate) -> str:
    return f"{_pct(rate.pct)}  ({rate.count:,}/{rate.total:,})"


def _durations(title: str, rows: Iterable[tuple[str, DurationStats]]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("", "count", "average", "median", "P95"):
        table.add_column(col, justify="left" if not col else "right")
    for name, d in rows:
        table.add_row(name, f"{d.count:,}", human_seconds(d.avg), human_seconds(d.median), human_seconds(d.p95))
    return table


def _pairs(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def _shares(title: str, label: str, shares: tuple[Share, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label)
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    for s in shares[:TOP]:
        table.add_row(s.key if s.key is not None else "(none)", f"{s.count:,}", _pct(s.pct))
    if len(shares) > TOP:
        rest = shares[TOP:]
        table.add_row(f"({len(rest)} more)", f"{sum(s.count for s in rest):,}", "")
    return table


def _csat_rows(c: Csat) -> list[tuple[str, str]]:
    dist = " · ".join(f"{i + 1}★ {n:,}" for i, n in enumerate(c.distribution))
    return [
        ("CSAT average", DASH if c.average is None else f"{c.average:.2f} / 5 ({c.count:,} ratings)"),
        ("CSAT satisfied (4–5)", _pct(c.satisfied_pct)),
        ("CSAT distribution", dist),
    ]


def render_stats(r: StatsReport) -> RenderableType:
    head = Text(f"Support stats, last {r.period}: {r.start[:16]} → {r.end[:16]} UTC", style="bold")
    volume = _pairs(
        "Volume",
        [
            ("conversations", f"{r.conversations:,}"),
            ("handoffs", f"{r.handoffs:,}"),
            ("tickets created", f"{r.tickets_created:,}"),
            ("tickets resolved", f"{r.tickets_resolved:,}"),
            ("tickets unassigned", f"{r.tickets_unassigned:,}"),
        ],
    )
    times = _durations(
        "Times",
        [
            ("first response · bot", r.first_response_bot),
            ("first response · human", r.first_response_human),
            ("first response · ticket", r.first_response_ticket),
            ("resolution · bot", r.resolution_bot),
            ("resolution · human (tickets)", r.resolution_human),
            ("handle time · human", r.handle_time),
        ],
    )
    rates = _pairs(
        "Rates",
        [
            ("resolution rate", _rate(r.resolution_rate)),
            ("bot containment", _rate(r.bot_containment)),
            ("handoff rate", _rate(r.handoff_rate)),
            ("SLA response attained", _rate(r.sla.response)),
            ("SLA resolution attained", _rate(r.sla.resolution)),
            *_csat_rows(r.csat),
        ],
    )
    agents = Table(title="Tickets per agent", title_justify="left")
    for col in ("agent", "tickets", "resolved", "handoffs"):
        agents.add_column(col, justify="left" if col == "agent" else "right")
    for a in r.agents[:TOP]:
        agents.add_row(f"{a.agent_id} {a.name or ''}".strip(), f"{a.tickets:,}", f"{a.resolved:,}", f"{a.handoffs:,}")
    if len(r.agents) > TOP:
        agents.add_row(f"({len(r.agents) - TOP} more agents)", "", "", "")
    daily = Table(title="Daily trend", title_justify="left")
    for col in ("date", "conversations", "tickets created", "tickets resolved"):
        daily.add_column(col, justify="left" if col == "date" else "right")
    for d in r.daily:
        daily.add_row(d.date, f"{d.conversations:,}", f"{d.tickets_created:,}", f"{d.tickets_resolved:,}")
    return Group(
        head,
        volume,
        times,
        rates,
        agents,
        _shares("Channels", "channel", r.channels),
        _shares("Intents", "intent", r.intents),
        _shares("Ticket types", "type", r.ticket_types),
        daily,
    )


def render_agent(r: AgentPerformance) -> RenderableType:
    head = Text(f"Agent {r.agent_id} ({r.name}), last {r.days} days: {r.start[:16]} → {r.end[:16]} UTC", style="bold")
    work = _pairs(
        "Work",
        [
            ("tickets assigned", f"{r.tickets_assigned:,}"),
            ("tickets resolved", f"{r.tickets_resolved:,}"),
            ("handoffs", f"{r.handoffs:,}"),
            ("conversations handled", f"{r.conversations_handled:,}"),
            ("SLA response attained", _rate(r.sla.response)),
            ("SLA resolution attained", _rate(r.sla.resolution)),
            *_csat_rows(r.csat),
        ],
    )
    times = _durations(
        "Times",
        [
            ("first response (assigned → reply)", r.first_response),
            ("handle time", r.handle_time),
            ("ticket resolution", r.resolution_time),
        ],
    )
    return Group(head, work, times)


def _groups(title: str, label: str, groups: tuple[GroupCsat, ...], none: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in (label, "ratings", "average", "satisfied"):
        table.add_column(col, justify="left" if col == label else "right")
    for g in groups:
        name = none if g.key is None else f"{g.key} {g.name or ''}".strip()
        avg = DASH if g.average is None else f"{g.average:.2f}"
        sat = g.as_dict()["satisfied_pct"]
        table.add_row(name, f"{g.count:,}", avg, _pct(sat))
    return table


def render_satisfaction(r: SatisfactionReport) -> RenderableType:
    head = Text(f"Satisfaction, last {r.days} days: {r.start[:16]} → {r.end[:16]} UTC", style="bold")
    low = Table(title="Recent low ratings (1–2)", title_justify="left")
    for col in ("when", "score", "ticket", "agent", "channel", "comment"):
        low.add_column(col)
    for x in r.low_ratings:
        low.add_row(
            x.created_at[:16], str(x.score), x.ticket_id or DASH, x.agent_id or DASH, x.channel or DASH, x.comment or ""
        )
    return Group(
        head,
        _pairs("CSAT", _csat_rows(r.csat)),
        _groups("By agent", "agent", r.by_agent, "(no agent: bot only)"),
        _groups("By channel", "channel", r.by_channel, "(unknown)"),
        low,
    )
