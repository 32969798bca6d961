"""Business hours, weekly schedules, holidays and absences, in the desk's own time zone.

A time range is written ``"08:30-16:30"``; several are separated by commas
(``"08:00-12:00, 13:00-17:00"``); a range that ends before it starts runs past midnight
(``"22:00-06:00"``). A weekly schedule maps ``mon``..``sun`` to ranges; a day left out is off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Minutes = tuple[int, int]  # [start, end) in minutes after midnight; end may be 1440


def parse_ranges(text: str) -> tuple[Minutes, ...]:
    """``"08:30-12:00, 13:00-16:30"`` -> ((510, 720), (780, 990)); ValueError when malformed."""
    ranges: list[Minutes] = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not a time range like 08:30-16:30")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
            raise ValueError(f"{part.strip()!r} has an impossible time")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end:
            raise ValueError(f"{part.strip()!r} is empty (starts when it ends)")
        ranges.append((start, end))
    return tuple(ranges)


def parse_week(raw: dict[str, str]) -> dict[int, tuple[Minutes, ...]]:
    """``{"mon": "08:30-16:30", ...}`` -> weekday number (0 = Monday) -> ranges."""
    week: dict[int, tuple[Minutes, ...]] = {}
    for key, value in raw.items():
        day = key.strip().lower()[:3]
        if day not in DAYS:
            raise ValueError(f"unknown day {key!r} (use {', '.join(DAYS)})")
        week[DAYS.index(day)] = parse_ranges(value)
    return week


def in_week(week: dict[int, tuple[Minutes, ...]], local: datetime) -> bool:
    """Whether a local time falls in a weekly schedule (overnight ranges included)."""
    minute = local.hour * 60 + local.minute
    day = local.weekday()
    for start, end in week.get(day, ()):
        if start < end and start <= minute < end:
            return True
        if start > end and minute >= start:  # first part of an overnight range
            return True
    for start, end in week.get((day - 1) % 7, ()):
        if start > end and minute < end:  # second part of yesterday's overnight range
            return True
    return False


def zone(name: str) -> ZoneInfo:
    """The IANA time zone, or ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (e.g. America/Toronto, Europe/Paris)"
        ) from exc


DEFAULT_HOURS = {day: "08:30-16:30" for day in DAYS[:5]}


@dataclass(frozen=True)
class Calendar:
    """The desk's time zone, business hours and holidays."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    business: dict[int, tuple[Minutes, ...]] = field(
        default_factory=lambda: parse_week(DEFAULT_HOURS)
    )
    holidays: frozenset[date] = frozenset()

    def local(self, at: datetime) -> datetime:
        """``at`` (UTC-aware) in the desk's time zone."""
        return at.astimezone(self.tz)

    def facts(self, at: datetime) -> TimeFacts:
        """What kind of moment ``at`` is for the desk."""
        local = self.local(at)
        holiday = local.date() in self.holidays
        weekend = local.weekday() >= 5
        business = not holiday and in_week(self.business, local)
        return TimeFacts(local, business, weekend, holiday)


@dataclass(frozen=True, slots=True)
class TimeFacts:
    """A moment seen from the desk: local time, and whether it is business hours."""

    local: datetime
    business_hours: bool
    weekend: bool
    holiday: bool

    def window(self, name: str) -> bool:
        """Whether the moment is in a named window (see TIME_WINDOWS)."""
        if name == "business_hours":
            return self.business_hours
        if name == "outside_business_hours":
            return not self.business_hours
        if name == "weekend":
            return self.weekend
        if name == "weekday":
            return not self.weekend
        if name == "holiday":
            return self.holiday
        return False


TIME_WINDOWS = ("business_hours", "outside_business_hours", "weekend", "weekday", "holiday")
