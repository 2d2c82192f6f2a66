"""Report windows: "24h", "7d", "12w" → [start, now) in UTC, and the reports' input errors.

`Nd` and `Nw` cover N (or 7·N) whole UTC calendar days ending today: from 00:00 UTC N−1 days ago
up to now, so `7d` is today and the six days before it, and a daily trend has exactly N rows.
`Nh` is the rolling last N hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.patterns import SPACE, int_range

MAX_DAYS = 3660
MAX_HOURS, MAX_WEEKS = MAX_DAYS * 24, MAX_DAYS // 7
# ASCII digits without leading zeros, the unit in either case, spaces around: `\d`, `\s` and
# IGNORECASE would also take other scripts' digits and spaces, which the document cannot say.
_PERIOD = re.compile(rf"[{SPACE}]*(0|[1-9][0-9]{{0,5}})[{SPACE}]*([hdwHDW])[{SPACE}]*")
PERIOD_HELP = "a number and a unit h, d or w, e.g. 24h, 7d, 30d, 12w"
# Exactly the periods window() accepts, for the API document (tests/reports check they agree).
PERIOD_PATTERN = (
    rf"^[{SPACE}]*(?:{int_range(1, MAX_HOURS)}[{SPACE}]*[hH]|{int_range(1, MAX_DAYS)}[{SPACE}]*[dD]"
    rf"|{int_range(1, MAX_WEEKS)}[{SPACE}]*[wW])[{SPACE}]*$"
)


class ReportInputError(ValueError):
    """Bad report input; `field` is the parameter to name (period, days, agent_id)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class UnknownAgent(LookupError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id} not found")
        self.agent_id = agent_id


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Window:
    label: str
    start: datetime
    end: datetime

    @property
    def bounds(self) -> tuple[str, str]:
        return _iso(self.start), _iso(self.end)

    def dates(self) -> list[str]:
        first, last = self.start.date(), self.end.date()
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def check_days(days: int, field: str = "days") -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ReportInputError(field, f"must be a whole number of days between 1 and {MAX_DAYS}")
    return days


def window(period: str, now: datetime) -> Window:
    """Parse "24h" / "7d" / "12w" into a window ending at `now` (see the module docstring)."""
    m = _PERIOD.fullmatch(period or "")
    if not m:
        raise ReportInputError("period", f"{period!r} is not a period; use {PERIOD_HELP}")
    n, unit = int(m.group(1)), m.group(2).lower()
    now = now.astimezone(UTC)
    if unit == "h":
        if not 1 <= n <= MAX_HOURS:
            raise ReportInputError("period", f"hours must be between 1 and {MAX_HOURS}")
        return Window(f"{n}h", now - timedelta(hours=n), now)
    days = n * 7 if unit == "w" else n
    if not 1 <= days <= MAX_DAYS:
        raise ReportInputError("period", f"must cover between 1 and {MAX_DAYS} days")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(f"{n}{unit}", midnight - timedelta(days=days - 1), now)
