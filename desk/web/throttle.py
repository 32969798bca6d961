"""A token bucket per key (an address, a name): how often desk serve lets a login be tried.

Each key has ``burst`` tries at once, and one more every ``period`` seconds, up to ``burst``.
A refused try is told how long to wait (for ``Retry-After``). At most ``most`` keys are kept:
when full, the keys whose bucket has refilled (idle ones) are forgotten, and while none has, a
new key waits like a refused one (memory stays bounded under a flood of addresses or names).
Time is an injected monotonic clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Throttle:
    """Token buckets keyed by string, in memory."""

    def __init__(
        self,
        *,
        burst: int,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        most: int = 10_000,
    ) -> None:
        self.burst = burst
        self.period = period
        self.clock = clock
        self.most = most
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def __len__(self) -> int:
        return len(self._buckets)

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - then) / self.period)

    def take(self, key: str) -> float:
        """0.0 when ``key`` may try now (a token taken), else the seconds until it may."""
        now = self.clock()
        if key not in self._buckets and len(self._buckets) >= self.most:
            self._buckets = {
                k: v for k, v in self._buckets.items() if self._tokens(k, now) < self.burst
            }
            if len(self._buckets) >= self.most:
                return self.period
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) * self.period
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0
