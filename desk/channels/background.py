"""The live side of an open desk, in a thread of its own: ``watch`` and the outbox.

The terminal interface (and any long-running process) starts one ``BackgroundLoop``: a daemon
thread with its own asyncio loop and one ``ConnectorPool`` shared by the puller and the outbox
(so a Bluesky session is created once). It polls each ``[[channel]]`` at its interval and posts
queued replies once their undo window is over, reporting through two callbacks that run on the
loop's thread (the UI hands them to its own thread with ``call_from_thread``).

The interface reads the rule file after its first paint; while that file cannot be used (the
person is told), pulling waits and asks again every ``retry_seconds`` — nothing is imported
untriaged — and the outbox goes on: replies already approved do not depend on the rules.

Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from desk.channels.connect import ConnectorPool
from desk.channels.pull import pull_service
from desk.errors import ConfigError
from desk.replies.outbox import OutboxReport

log = logging.getLogger(__name__)
OUTBOX_SECONDS = 1.0
RETRY_SECONDS = 5.0  # an unusable rule file: how often pulling asks for it again


class BackgroundLoop:
    """Pulls live channels and drains the outbox until ``stop``."""

    def __init__(
        self,
        desk: Any,
        *,
        on_channel: Callable[[Any], None],
        on_outbox: Callable[[OutboxReport], None],
        pull: bool = True,
        transport: Any = None,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.desk = desk
        self.on_channel = on_channel
        self.on_outbox = on_outbox
        self.pull = pull and any(c.enabled for c in desk.config.channel)
        self.transport = transport
        self.retry_seconds = retry_seconds
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def needed(self) -> bool:
        """Whether desk.toml has any live channel (otherwise nothing needs to run)."""
        return bool(self.desk.config.channel)

    def start(self) -> None:
        """Start the thread (once)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="desk-live", daemon=True)
            self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to finish and wait a little for it."""
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # noqa: BLE001 - the UI keeps working without the live side
            log.exception("the live background loop stopped")

    async def _main(self) -> None:
        pool = ConnectorPool(self.desk.config.channel, transport=self.transport)
        self.desk.outbox.connect = pool.connect
        outbox = self.desk.outbox.run_forever(self.stop_event, self.on_outbox, every=OUTBOX_SECONDS)
        tasks = [asyncio.create_task(outbox, name="outbox")]
        if self.pull:
            tasks.append(asyncio.create_task(self._watch(pool), name="watch"))
        try:
            await asyncio.to_thread(self.stop_event.wait)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await pool.aclose()

    async def _watch(self, pool: ConnectorPool) -> None:
        """Poll the live channels; while the rule file cannot be used (a RulesError, which the
        interface shows), ask for it again every ``retry_seconds`` instead of giving up."""
        while not self.stop_event.is_set():
            try:
                service = pull_service(self.desk, pool=pool)
            except ConfigError as exc:
                log.warning("live pulling waits for a usable rule file: %s", exc)
                await asyncio.to_thread(self.stop_event.wait, self.retry_seconds)
                continue
            await service.watch(self.stop_event, self.on_channel)
            return
