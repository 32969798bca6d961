"""The live side's thread (desk.channels.background): an unusable rule file at start holds
back pulling, not the outbox, and pulling starts once the file is fixed."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any

import pytest

import desk.channels.background as background
from desk.triage.ruleset import Problem, RulesError

WAIT = 10.0  # seconds: a bound on waiting for the thread, never a measured figure


class Outbox:
    """Runs until stopped and says it ran."""

    def __init__(self) -> None:
        self.running = threading.Event()
        self.connect: Any = None

    async def run_forever(self, stop: threading.Event, report: Any, every: float) -> None:
        self.running.set()
        await asyncio.to_thread(stop.wait)


class Pulling:
    """A pull service whose rules cannot be read ``failures`` times, then can."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.asked = 0
        self.watching = threading.Event()

    def service(self, desk: Any, **options: Any) -> Any:
        self.asked += 1
        if self.asked <= self.failures:
            raise RulesError("rules.toml", [Problem(3, 1, "no_action", hint_code="add_action")])
        return SimpleNamespace(watch=self.watch)

    async def watch(self, stop: threading.Event, on_channel: Any) -> None:
        self.watching.set()
        await asyncio.to_thread(stop.wait)


class Pool:
    def __init__(self, channels: Any, transport: Any = None) -> None:
        self.connect = object()

    async def aclose(self) -> None:
        return None


@pytest.mark.parametrize("failures", [0, 3])
def test_pulling_waits_for_a_usable_rule_file_and_the_outbox_goes_on(
    monkeypatch: pytest.MonkeyPatch, failures: int
) -> None:
    pulling = Pulling(failures)
    monkeypatch.setattr(background, "pull_service", pulling.service)
    monkeypatch.setattr(background, "ConnectorPool", Pool)
    outbox = Outbox()
    desk = SimpleNamespace(
        config=SimpleNamespace(channel=[SimpleNamespace(enabled=True)]), outbox=outbox
    )
    loop = background.BackgroundLoop(
        desk, on_channel=lambda r: None, on_outbox=lambda r: None, retry_seconds=0.01
    )
    loop.start()
    try:
        assert outbox.running.wait(WAIT)
        assert pulling.watching.wait(WAIT)  # the file fixed: pulling starts
        assert pulling.asked == failures + 1
        assert loop.thread is not None
        assert loop.thread.is_alive()
    finally:
        loop.stop()
    assert not loop.thread.is_alive()
