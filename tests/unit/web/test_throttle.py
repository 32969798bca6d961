"""The login throttle of ``desk serve`` (desk.web.throttle): a token bucket per key, on an
injected monotonic clock, bounded in memory."""

from __future__ import annotations

from desk.web.throttle import Throttle


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_try_per_period() -> None:
    ticks = Ticks()
    throttle = Throttle(burst=3, period=10.0, clock=ticks)
    assert [throttle.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert throttle.take("a") == 10.0  # refused: the next token comes in 10 s
    assert throttle.take("b") == 0.0  # another key has its own bucket
    ticks.now += 4.0
    assert throttle.take("a") == 6.0
    ticks.now += 6.0
    assert throttle.take("a") == 0.0
    assert throttle.take("a") == 10.0
    ticks.now += 1000.0  # a long rest refills the burst, never more
    assert [throttle.take("a") for _ in range(4)] == [0.0, 0.0, 0.0, 10.0]


def test_memory_is_bounded() -> None:
    ticks = Ticks()
    throttle = Throttle(burst=2, period=10.0, clock=ticks, most=100)
    for n in range(100):
        throttle.take(f"ip{n}")
    assert throttle.take("one too many") > 0  # full of busy keys: a new key waits
    ticks.now += 20.0  # everyone's bucket is full again: forgotten to make room
    assert throttle.take("one too many") == 0.0
    assert len(throttle) <= 100
