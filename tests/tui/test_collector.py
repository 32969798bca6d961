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


def test_start_pauses_the_collector_until_the_first_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))  # not this test process's objects
    monkeypatch.setattr(gc, "set_threshold", lambda *_thresholds: None)
    monkeypatch.setattr(collector, "_started", False)
    monkeypatch.setattr(collector, "_paused", False)
    assert gc.isenabled()
    try:
        collector.start()
        assert not gc.isenabled()  # the start-up's objects live on: nothing to collect
        collector.drawn()
        assert gc.isenabled()
        collector.settle()
        assert frozen == [1, 1, 1]  # loaded before the app, built for the first frame, then after
    finally:
        gc.enable()


def test_no_idle_collection_while_an_import_pauses_the_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collected: list[int] = []

    def collect(generation: int = 2) -> int:
        collected.append(generation)
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(gc, "get_count", lambda: (0, collector.IDLE_AFTER, 0))
    idle = collector.IdleCollector(clock=lambda: 1_000.0)
    idle.last_input = 0.0
    gc.disable()  # as desk.gcpause.paused does for an import
    try:
        assert not idle.tick()
    finally:
        gc.enable()
    assert idle.tick()
    assert collected == [1]


def test_an_app_stopped_before_its_first_frame_leaves_the_collector_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desk.tui import app as tui_app

    monkeypatch.setattr(gc, "freeze", lambda: None)  # not this test process's objects
    monkeypatch.setattr(gc, "set_threshold", lambda *_thresholds: None)
    monkeypatch.setattr(collector, "_started", False)
    monkeypatch.setattr(collector, "_paused", False)

    def failing(desk: object) -> object:
        collector.start()
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr(tui_app, "make_app", failing)
    try:
        with pytest.raises(RuntimeError):
            tui_app.run_ui(object())  # type: ignore[arg-type]
        assert gc.isenabled()
    finally:
        gc.enable()
