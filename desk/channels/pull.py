"""Pulls the live channels of desk.toml (``[[channel]]``): fetch pages, store them, keep health.

For each channel, its connector (``desk.channels.connect.ConnectorPool``: the registry's class and
the channel's secret, kept for the whole pull or watch) fetches pages from the stored cursor;
every page's new mentions go through ``IngestService.ingest_parsed`` (dedupe, triage, store,
audit) and the page's cursor is saved **in the same transaction**. A crash between two pages
therefore loses nothing (the next pull resumes from the last committed cursor) and duplicates
nothing (the mentions and the cursor that follows them land together or not at all).

Health is kept per channel in ``channel_state``: last success, last error (clipped, tokens
removed), consecutive failures and a circuit breaker. A rate limit opens the circuit until the
platform's reset; a transient failure (after ``http.retrying``'s own retries) or a permanent one
opens it for an exponential backoff (1 min, 2, 4 ... up to 1 h). A channel whose circuit is open
is skipped, saying until when, unless the pull is forced.

Channels run concurrently (a few at a time): one slow or failing feed never holds up the others,
and ``watch`` polls each at its own interval anyway. Database writes are serialised (SQLite has
one writer) and run in a worker thread, so the event loop keeps serving the other channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from desk.channels.connect import ConnectorPool
from desk.channels.ingest import FileReport, IngestService
from desk.channels.status import (
    ERROR_CHARS,
    ChannelReport,
    ChannelStatus,
    backoff,
    scrub,
    shorten,
    status_of,
)
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.config.channels import ChannelConfig
from desk.db import SessionFactory, session_factory, store, transaction
from desk.db.busy import DatabaseBusy, is_busy
from desk.db.tables import Channel, ChannelState
from desk.errors import DeskError, InputError
from desk.platforms.client import Connector, Page
from desk.platforms.errors import ChannelError, PermanentError, RateLimited
from desk.platforms.http import RateLimit, retrying
from desk.stop import StopEvent, wait_or_stop
from desk.views import ImportNote
from desk.vocabulary import ChannelHealth

log = logging.getLogger(__name__)

Progress = Callable[[ChannelReport], None]


@dataclass
class _Outcome:
    """How a channel's pull ended, for the state row."""

    kind: str  # ok | rate_limited | error | failing
    message: str | None = None
    wait: float = 0.0
    rate: RateLimit | None = None


@dataclass(kw_only=True)
class PullService:
    """Pulls the configured live channels into the desk and keeps their health."""

    ingest: IngestService
    read_factory: SessionFactory
    channels: list[ChannelConfig]
    clock: Clock = utcnow
    pool: ConnectorPool | None = None  # shared with the outbox (else one per pull / watch)
    transport: httpx.AsyncBaseTransport | None = None  # tests: MockTransport
    environ: Mapping[str, str] | None = None  # where env: secrets are read (default os.environ)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # retry waits (tests: no wait)
    attempts: int = 4  # tries per page (TransientError, short rate limits)
    max_pages: int = 100  # per channel and pull; the rest comes with the next pull
    concurrency: int = 4
    rng: random.Random = field(default_factory=random.Random)
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- choosing channels ---------------------------------------------------------------

    def select(self, names: Iterable[str] | None = None) -> list[ChannelConfig]:
        """The channels named (``name`` or ``platform:name``), else every enabled one."""
        if not names:
            return [c for c in self.channels if c.enabled]
        chosen: list[ChannelConfig] = []
        for wanted in names:
            found = [c for c in self.channels if wanted in (c.name, c.key)]
            if not found:
                known = ", ".join(c.key for c in self.channels) or "—"
                raise InputError.from_catalog("no_channel_named", name=wanted, known=known)
            chosen += [c for c in found if c not in chosen]
        return chosen

    # -- pulling -------------------------------------------------------------------------

    def pull(
        self,
        channel_names: Iterable[str] | None = None,
        progress: Progress | None = None,
        *,
        force: bool = False,
    ) -> list[ChannelReport]:
        """Pull once (blocking): every enabled channel, or those named. See ``apull``."""
        return asyncio.run(self.apull(channel_names, progress, force=force))

    async def apull(
        self,
        channel_names: Iterable[str] | None = None,
        progress: Progress | None = None,
        *,
        force: bool = False,
    ) -> list[ChannelReport]:
        """Pull once, channels concurrently; one report per channel, in desk.toml's order.

        ``force`` ignores open circuits (after fixing a token, say).
        """
        chosen = self.select(channel_names)
        gate = asyncio.Semaphore(max(1, self.concurrency))

        async with self.connectors() as pool:

            async def one(channel: ChannelConfig) -> ChannelReport:
                async with gate:
                    return await self.pull_channel(channel, pool, progress, force=force)

            results = await asyncio.gather(*(one(c) for c in chosen), return_exceptions=True)
        reports = []
        for channel, result in zip(chosen, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result  # cancellation, KeyboardInterrupt
                result = _crashed(channel, result)
            reports.append(result)
        return reports

    @contextlib.asynccontextmanager
    async def connectors(self) -> AsyncIterator[ConnectorPool]:
        """The shared pool if one was given, else a pool for this pull or watch (closed after).

        Connectors live as long as their pool, so ``watch`` logs in to Bluesky once, not at
        every poll.
        """
        if self.pool is not None:
            yield self.pool
            return
        pool = ConnectorPool(self.channels, transport=self.transport, environ=self.environ)
        try:
            yield pool
        finally:
            await pool.aclose()

    async def pull_channel(
        self,
        channel: ChannelConfig,
        pool: ConnectorPool,
        progress: Progress | None = None,
        *,
        force: bool = False,
    ) -> ChannelReport:
        """Pull one channel until it has no more pages; never raises for the channel's errors."""
        report = ChannelReport(channel.key, channel.name, channel.platform)
        state = await asyncio.to_thread(self._state, channel)
        report.health = state.health if state else ChannelHealth.NEW
        if not channel.enabled:
            return self._skipped(report, "disabled in desk.toml", progress)
        now = self.clock()
        if not force and state and state.circuit_until and state.circuit_until > now:
            report.circuit_until = state.circuit_until
            why = f"circuit open until {state.circuit_until:%Y-%m-%d %H:%M:%S} UTC"
            if state.last_error:
                why += f" (last error: {state.last_error})"
            return self._skipped(report, why, progress)
        secret: Any = None
        connector: Connector | None = None
        try:
            connector = pool.get(channel.key)  # builds it (class, secret) on first use
            secret = connector.secret
            await self._pages(connector, state.cursor if state else None, report, progress)
            outcome = _Outcome(ChannelHealth.OK)
        except RateLimited as exc:
            outcome = _Outcome(ChannelHealth.RATE_LIMITED, str(exc), wait=exc.wait_seconds)
        except (PermanentError, DeskError) as exc:
            outcome = _Outcome(ChannelHealth.FAILING, _message(exc))
            report.said = _said(exc)
        except ChannelError as exc:
            outcome = _Outcome(ChannelHealth.ERROR, str(exc))
            report.said = _said(exc)
        except Exception as exc:  # noqa: BLE001 - a connector's bug fails its channel only
            log.warning("pull of %s crashed", channel.key, exc_info=True)
            outcome = _Outcome(ChannelHealth.ERROR, f"{channel.key}: unexpected {_message(exc)}")
        outcome.message = scrub(outcome.message, secret)
        outcome.rate = connector.rate if connector else None
        report.notes = [
            n if isinstance(n, ImportNote) else scrub(n, secret) or "" for n in report.notes
        ]
        for texts in (report.warnings, report.errors):
            texts[:] = [scrub(text, secret) or "" for text in texts]
        await asyncio.to_thread(self._finish, channel, report, outcome)
        report.done = True
        if progress:
            progress(report)
        return report

    async def _pages(
        self,
        connector: Connector,
        cursor: str | None,
        report: ChannelReport,
        progress: Progress | None,
    ) -> None:
        channel = connector.channel
        for _ in range(self.max_pages):
            page = await retrying(
                functools.partial(connector.fetch, cursor),
                attempts=self.attempts,
                sleep=self.sleep,
            )
            if page.result.platform != channel.platform:
                raise ChannelError(
                    f"{channel.key}: the connector returned {page.result.platform} items"
                )
            stored = await asyncio.to_thread(self._store_page, channel, page, connector.rate)
            report.pages += 1
            report.new += stored.new
            report.duplicate += stored.duplicate
            report.rejected += stored.rejected
            report.new_ids += stored.new_ids
            report.warnings += stored.warnings
            report.errors += stored.errors
            report.notes += page.notes
            if page.cursor is not None:
                cursor = page.cursor
            if progress:
                progress(report)
            if not page.more:
                return
        report.notes.append(
            ImportNote(code="more_pages", args={"pages": self.max_pages}, section="pull_note")
        )

    def _skipped(self, report: ChannelReport, why: str, progress: Progress | None) -> ChannelReport:
        report.status = ChannelHealth.SKIPPED
        report.message = f"{report.key}: skipped, {why}"
        report.done = True
        if progress:
            progress(report)
        return report

    # -- the database (worker threads; one writer at a time) -----------------------------

    def _state(self, channel: ChannelConfig) -> ChannelState | None:
        with self.read_factory() as session:
            row = _channel_row(channel, session)
            return session.get(ChannelState, row.id) if row else None

    def _store_page(self, channel: ChannelConfig, page: Page, rate: RateLimit | None) -> FileReport:
        """The page's new mentions and its cursor, in one transaction."""
        now = self.clock()
        rate = page.rate or rate

        def save_cursor(session: Session, row: Channel, stored: FileReport) -> None:
            if not row.live:
                row.live = True
                session.add(row)
            state = _state_row(session, row, now)
            if page.cursor is not None:
                state.cursor = page.cursor
            if rate is not None:
                state.rate_limit = json.dumps(rate.to_json())
            state.total_new += stored.new
            state.updated_at = now
            session.add(state)

        with self._write_lock:
            return self.ingest.ingest_parsed(
                page.result,
                channel.key,
                channel_name=channel.name,
                live=True,
                after_write=save_cursor,
            )

    def _finish(self, channel: ChannelConfig, report: ChannelReport, outcome: _Outcome) -> None:
        """Record the pull's outcome: health, errors, circuit (pages are already committed)."""
        now = self.clock()
        with self._write_lock, transaction(self.ingest.write_factory) as session:
            row = store.get_or_create_channel(
                channel.platform, channel.name, session=session, now=now, live=True
            )
            state = _state_row(session, row, now)
            state.health = outcome.kind
            state.last_new = report.new
            state.updated_at = now
            if outcome.rate is not None:
                state.rate_limit = json.dumps(outcome.rate.to_json())
            if outcome.kind == ChannelHealth.OK:
                state.last_success_at = now
                state.consecutive_failures = 0
                state.circuit_until = None
            else:
                state.last_error_at = now
                state.last_error = shorten(outcome.message, ERROR_CHARS)
                if outcome.kind == ChannelHealth.RATE_LIMITED:
                    wait = outcome.wait
                else:
                    state.consecutive_failures += 1
                    wait = backoff(state.consecutive_failures)
                state.circuit_until = now + timedelta(seconds=wait)
            session.add(state)
            report.status = outcome.kind
            report.health = outcome.kind
            report.message = state.last_error if outcome.kind != ChannelHealth.OK else None
            report.circuit_until = state.circuit_until

    # -- watching ------------------------------------------------------------------------

    async def watch(
        self,
        stop_event: StopEvent,
        on_event: Callable[[ChannelReport], None],
        channel_names: Iterable[str] | None = None,
    ) -> None:
        """Poll each channel at its ``interval_seconds`` (plus up to 10 % jitter, and no sooner
        than its circuit allows) until ``stop_event`` is set; ``on_event`` gets every report.

        ``stop_event`` may be an ``asyncio.Event`` (same loop) or a ``threading.Event`` (set
        from another thread, e.g. the UI's). ``on_event`` runs on this loop's thread.
        """
        chosen = [c for c in self.select(channel_names) if c.enabled]
        if not chosen:
            raise InputError.from_catalog("watch_no_channel")

        async def poll(channel: ChannelConfig, pool: ConnectorPool) -> None:
            while not stop_event.is_set():
                try:
                    report = await self.pull_channel(channel, pool)
                except Exception as exc:  # noqa: BLE001 - e.g. the database locked for a while
                    # pull_channel only raises when its own bookkeeping fails: reported, and
                    # tried again at the next interval instead of ending this channel's polling.
                    log.warning("watch of %s failed", channel.key, exc_info=True)
                    report = _crashed(channel, exc)
                try:
                    on_event(report)
                except Exception:  # noqa: BLE001 - a display error must not stop the polling
                    log.exception("watch callback failed for %s", channel.key)
                if await self._pause(stop_event, pool, channel, report):
                    return

        async with self.connectors() as pool:
            tasks = [asyncio.create_task(poll(c, pool), name=f"watch {c.key}") for c in chosen]
            try:
                await wait_or_stop(stop_event, None)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _pause(
        self,
        stop_event: StopEvent,
        pool: ConnectorPool,
        channel: ChannelConfig,
        report: ChannelReport,
    ) -> bool:
        """Wait until the next poll of ``channel`` (True: stopped). A connector that ``pushes``
        (IMAP IDLE) ends the wait as soon as its server announces new items."""
        delay = self.next_delay(channel, report)
        connector = pool.built(channel.key) if report.status == ChannelHealth.OK else None
        if connector is None or not connector.pushes:
            return await wait_or_stop(stop_event, delay)
        news = asyncio.ensure_future(connector.wait_for_news(delay))
        stopped = asyncio.ensure_future(wait_or_stop(stop_event, delay))
        try:
            await asyncio.wait({news, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the watch itself is cancelled: no IDLE left running behind it
            for task in (news, stopped):
                task.cancel()
            await asyncio.gather(news, stopped, return_exceptions=True)
        return stop_event.is_set()

    def next_delay(self, channel: ChannelConfig, report: ChannelReport) -> float:
        """Seconds until the next poll of ``channel``."""
        delay = channel.interval_seconds * (1 + self.rng.uniform(0, 0.1))
        if report.circuit_until is not None:
            delay = max(delay, (report.circuit_until - self.clock()).total_seconds())
        return delay

    # -- status --------------------------------------------------------------------------

    def status(self) -> list[ChannelStatus]:
        """Every configured channel with its stored state, in desk.toml's order."""
        out = []
        with self.read_factory() as session:
            for channel in self.channels:
                row = _channel_row(channel, session)
                state = session.get(ChannelState, row.id) if row else None
                out.append(status_of(channel, state))
        return out


def _channel_row(channel: ChannelConfig, session: Session) -> Channel | None:
    return session.exec(
        select(Channel).where(Channel.platform == channel.platform, Channel.name == channel.name)
    ).first()


def _state_row(session: Session, channel: Channel, now: datetime) -> ChannelState:
    state = session.get(ChannelState, channel.id)
    if state is None:
        state = ChannelState(channel_id=channel.id or 0, updated_at=now)
    # TODO(lead): session_state (a Bluesky session, with its refresh token) is never written
    # until it is decided whether the database may hold it.
    return state


def _message(exc: BaseException) -> str:
    """What a report says of a failure: never SQLAlchemy's text (SQL, parameters) — a database
    held by another desk is said in the catalog's words (desk.db.busy)."""
    if isinstance(exc, DeskError):
        return exc.message
    if is_busy(exc):
        return DatabaseBusy.now().message
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None) or exc
        return f"{type(orig).__name__}: {(str(orig).splitlines() or [''])[0][:200]}"
    return str(exc)


def _said(exc: BaseException) -> tuple[str, dict[str, Any]] | None:
    """A platform error's catalog key and values, for a report said in the reader's language."""
    if isinstance(exc, ChannelError) and exc.key:
        return exc.key, dict(exc.params)
    return None


def _crashed(channel: ChannelConfig, exc: Exception) -> ChannelReport:
    """The report of a channel whose pull raised (a bug in desk: pull_channel catches the rest)."""
    report = ChannelReport(channel.key, channel.name, channel.platform, status=ChannelHealth.ERROR)
    report.health = ChannelHealth.ERROR
    report.message = shorten(f"{channel.key}: {_message(exc)}", ERROR_CHARS)
    report.done = True
    return report


class OpenDesk(Protocol):
    """What a PullService is built from: the parts of an open ``desk.bootstrap.Desk`` it uses."""

    @property
    def ingest(self) -> IngestService: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def config(self) -> DeskConfig: ...


def pull_service(desk: OpenDesk, **options: Any) -> PullService:
    """The PullService of an open desk (``options``: e.g. a pool, a transport, a sleep)."""
    return PullService(
        ingest=desk.ingest,
        read_factory=session_factory(desk.engine),
        channels=list(desk.config.channel),
        clock=desk.ingest.clock,
        **options,
    )
