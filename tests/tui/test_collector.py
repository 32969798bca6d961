"""desk.tui.collector: the middle generation is collected in a pause, not while typing."""

from __future__ import annotations

import gc

import pytest

from desk.tui import collector


def test_collects_only_after_a_pause_and_with_something_to_collect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    collected: list[int] = []
    counts = [(0, collector.IDLE_AFTER, 0)]

    def collect(generation: int = 2) -> int:
        collected.append(generation)
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(gc, "get_count", lambda: counts[0])
    idle = collector.IdleCollector(clock=lambda: now[0])

    idle.input()
    now[0] += collector.IDLE_SECONDS / 2
    assert not idle.tick()  # typing: nothing collected
    now[0] += collector.IDLE_SECONDS
    assert idle.tick()  # a pause: the middle generation
    assert collected == [1]
    counts[0] = (0, collector.IDLE_AFTER - 1, 0)
    assert not idle.tick()  # too little gathered since: left for later
    assert collected == [1]
