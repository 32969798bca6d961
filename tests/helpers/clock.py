"""Clocks tests control. No test reads the machine's date: a desk, a CLI run and a fake server
are all handed one of these.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)
"""When the tests happen: a Thursday afternoon (UTC), inside business hours everywhere."""


class FakeClock:
    """A clock that moves only when told: each reading moves it ``step`` forward (one second by
    default, so successive actions get distinct times), and ``advance`` jumps."""

    def __init__(self, start: datetime = T0, *, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Jump ``seconds`` ahead; the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now


class RunningClock:
    """A fixed date whose seconds really pass: for tests that wait out real windows (an undo
    delay, a claim renewed while typing) yet must not depend on today's date."""

    def __init__(self, start: datetime = T0) -> None:
        self.start = start
        self._began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._began)


def clock_of(desk: object) -> FakeClock:
    """The FakeClock a test desk runs on (``desk.clock``), to move it by hand."""
    clock = getattr(desk, "clock", None)
    assert isinstance(clock, FakeClock), f"this desk runs on {clock!r}, not a FakeClock"
    return clock
