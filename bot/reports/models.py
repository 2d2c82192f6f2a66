"""Result records of the reports (`stats`, `agent_performance`, `satisfaction_report`).

Frozen dataclasses with `as_dict()` for JSON; durations are seconds, shares are percentages
rounded to two decimals (None when there is nothing to divide by). The meaning of every figure
is written down in bot/reports/service.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _sec(value: float | None) -> float | None:
    # julianday() arithmetic carries ~50 µs of float noise; milliseconds are honest.
    return None if value is None else round(value, 3)


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Average, median and P95 (linear interpolation, like percentile_cont) in seconds."""

    count: int = 0
    avg: float | None = None
    median: float | None = None
    p95: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DurationStats:
        return cls(int(row["n"] or 0), _sec(row["avg"]), _sec(row["median"]), _sec(row["p95"]))

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "avg_seconds": self.avg, "median_seconds": self.median, "p95_seconds": self.p95}


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` of `total`, and the share in percent."""

    count: int
    total: int

    @property
    def pct(self) -> float | None:
        return pct(self.count, self.total)

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "total": self.total, "pct": self.pct}


@dataclass(frozen=True, slots=True)
class Share:
    key: str | None
    count: int
    pct: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "count": self.count, "pct": self.pct}


def shares(rows: list[tuple[str | None, int]]) -> tuple[Share, ...]:
    total = sum(n for _, n in rows)
    return tuple(Share(key, n, pct(n, total)) for key, n in rows)


@dataclass(frozen=True, slots=True)
class Csat:
    count: int
    average: float | None
    satisfied: int  # score >= 4
    distribution: tuple[int, int, int, int, int]  # how many 1s, 2s, ... 5s

    @property
    def satisfied_pct(self) -> float | None:
        return pct(self.satisfied, self.count)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "average": self.average,
            "satisfied": self.satisfied,
            "satisfied_pct": self.satisfied_pct,
            "distribution": {str(i + 1): n for i, n in enumerate(self.distribution)},
        }


@dataclass(frozen=True, slots=True)
class Sla:
    response: Rate
    resolution: Rate

    def as_dict(self) -> dict[str, Any]:
        return {"response": self.response.as_dict(), "resolution": self.resolution.as_dict()}


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent_id: str
    name: str | None
    tickets: int  # assigned tickets created in the window
    resolved: int  # assigned tickets resolved in the window
    handoffs: int  # handoff episodes assigned to the agent in the window

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "tickets": self.tickets,
            "resolved": self.resolved,
            "handoffs": self.handoffs,
        }


@dataclass(frozen=True, slots=True)
class Day:
    date: str  # YYYY-MM-DD, UTC
    conversations: int
    tickets_created: int
    tickets_resolved: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "conversations": self.conversations,
            "tickets_created": self.tickets_created,
            "tickets_resolved": self.tickets_resolved,
        }


@dataclass(frozen=True, slots=True)
class StatsReport:
    period: str
    start: str
    end: str
    conversations: int
    tickets_created: int
    tickets_resolved: int
    handoffs: int
    first_response_bot: DurationStats
    first_response_human: DurationStats
    first_response_ticket: DurationStats
    resolution_bot: DurationStats
    resolution_human: DurationStats
    handle_time: DurationStats
    resolution_rate: Rate
    bot_containment: Rate
    handoff_rate: Rate
    sla: Sla
    csat: Csat
    agents: tuple[AgentLoad, ...]
    tickets_unassigned: int
    channels: tuple[Share, ...]
    intents: tuple[Share, ...]
    ticket_types: tuple[Share, ...]
    daily: tuple[Day, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "start": self.start,
            "end": self.end,
            "volume": {
                "conversations": self.conversations,
                "tickets_created": self.tickets_created,
                "tickets_resolved": self.tickets_resolved,
                "handoffs": self.handoffs,
                "ratings": self.csat.count,
            },
            "first_response": {
                "bot": self.first_response_bot.as_dict(),
                "human": self.first_response_human.as_dict(),
                "ticket": self.first_response_ticket.as_dict(),
            },
            "resolution_time": {"bot": self.resolution_bot.as_dict(), "human": self.resolution_human.as_dict()},
            "handle_time": self.handle_time.as_dict(),
            "resolution_rate": self.resolution_rate.as_dict(),
            "bot_containment": self.bot_containment.as_dict(),
            "handoff_rate": self.handoff_rate.as_dict(),
            "sla": self.sla.as_dict(),
            "csat": self.csat.as_dict(),
            "agents": [a.as_dict() for a in self.agents],
            "tickets_unassigned": self.tickets_unassigned,
            "channels": [s.as_dict() for s in self.channels],
            "intents": [s.as_dict() for s in self.intents],
            "ticket_types": [s.as_dict() for s in self.ticket_types],
            "daily": [d.as_dict() for d in self.daily],
        }
