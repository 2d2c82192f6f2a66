"""Online hours ("09:00-18:00", server local time). Pure functions of the clock value given.

"00:00-24:00" (or equal ends) means always; an end before the start wraps past midnight
("21:00-09:00" is a night shift).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class OnlineHours:
    start: int  # minutes after local midnight, 0..1440
    end: int

    @classmethod
    def parse(cls, spec: str) -> OnlineHours:
        try:
            a, b = spec.split("-")
            return cls(_minutes(a), _minutes(b))
        except ValueError:
            raise ValueError(f"online_hours: {spec!r} must look like 09:00-18:00") from None

    @property
    def always(self) -> bool:
        return self.start % 1440 == self.end % 1440

    def within(self, now: datetime) -> bool:
        if self.always:
            return True
        m = _local_minutes(now)
        if self.start < self.end:
            return self.start <= m < self.end
        return m >= self.start or m < self.end

    def next_start(self, now: datetime) -> datetime:
        """When agents are next on duty: `now` when they are, else the next start (local time)."""
        if self.within(now):
            return now
        local = _local(now)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight + timedelta(minutes=self.start % 1440)
        if start <= local:
            start += timedelta(days=1)
        return start

    def label(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _minutes(hhmm: str) -> int:
    h, m = hhmm.strip().split(":")
    value = int(h) * 60 + int(m)
    if not 0 <= int(m) < 60 or not 0 <= value <= 1440:
        raise ValueError(hhmm)
    return value


def _local(now: datetime) -> datetime:
    # Aware datetimes are converted to the server's zone; naive ones are taken as local time.
    return now.astimezone()


def _local_minutes(now: datetime) -> int:
    local = _local(now)
    return local.hour * 60 + local.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
