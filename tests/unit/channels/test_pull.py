"""desk.channels.pull: pages stored with their cursor in one transaction, channel health and circuits.

A fake paged feed (``PagedFeed``, registered for the ``rss`` platform) is served by
``httpx.MockTransport`` here and by a loopback server in tests/cli/test_channels.py; one test pulls
the real Mastodon connector from the fake instance of tests/helpers/fake_platforms.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col

from desk import db
from desk.bootstrap import Desk
from desk.channels.pull import PullService
from desk.channels.status import ChannelReport, backoff
from desk.config.channels import ChannelConfig
from desk.db import transaction
from desk.db.tables import Channel, ChannelState, Mention
from desk.i18n import Catalog
from desk.platforms import registry
from desk.platforms.errors import PermanentError
from tests.helpers.paged_feed import PER_PAGE, FeedHost, PagedFeed


def feed_channel(name: str, **kw: Any) -> ChannelConfig:
    return ChannelConfig(name=name, platform="rss", url=f"http://feeds.test/{name}/", **kw)


async def no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def paged() -> Iterator[None]:
    registry.register("rss", PagedFeed)
    yield
    registry.unregister("rss")


def service(desk: Desk, channels: list[ChannelConfig], host: Callable[..., Any]) -> PullService:
    return PullService(
        ingest=desk.ingest,
        read_factory=db.session_factory(desk.engine),
        channels=channels,
        clock=desk.ingest.clock,
        transport=httpx.MockTransport(host),
        sleep=no_sleep,
    )


def stored(desk: Desk) -> list[tuple[str, str]]:
    """(channel name, remote id) of every stored mention."""
    with db.session_factory(desk.engine)() as session:
        rows = session.execute(
            sa.select(col(Channel.name), col(Mention.remote_id)).join(
                Channel, col(Channel.id) == col(Mention.channel_id)
            )
        ).all()
    return sorted((r[0], r[1]) for r in rows)


def state_of(desk: Desk, name: str) -> ChannelState:
    with db.session_factory(desk.engine)() as session:
        row = session.execute(sa.select(Channel).where(col(Channel.name) == name)).scalar_one()
        assert row.live
        state = session.get(ChannelState, row.id)
        assert state is not None
        return state


def test_three_pages_are_stored_with_their_cursor(desk: Desk, paged: None) -> None:
    host = FeedHost(pages=3)
    seen: list[tuple[int, int, bool]] = []
    pull = service(desk, [feed_channel("a")], host)
    (report,) = pull.pull(progress=lambda r: seen.append((r.pages, r.new, r.done)))
    assert (report.status, report.pages, report.new, report.duplicate) == ("ok", 3, 15, 0)
    assert seen == [(1, 5, False), (2, 10, False), (3, 15, False), (3, 15, True)]
    assert len(stored(desk)) == 15
    assert {name for name, _ in stored(desk)} == {"a"}  # linked to the channel rss:a
    state = state_of(desk, "a")
    assert (state.cursor, state.health, state.total_new, state.last_new) == ("3", "ok", 15, 15)
    assert state.last_success_at is not None
    # the next pull resumes after page 3: nothing new, nothing stored twice
    host.pages = 4
    (again,) = pull.pull()
    assert (again.pages, again.new, again.duplicate) == (1, 5, 0)
    assert len(stored(desk)) == 20
    # every mention has its audit event, naming the channel as its source
    with db.session_factory(desk.engine)() as session:
        events = session.execute(
            sa.text("SELECT count(*) FROM audit_events WHERE action = 'mention.ingested'")
        ).scalar_one()
    assert events == 20


def test_a_crash_while_storing_page_two_loses_and_duplicates_nothing(
    desk: Desk, paged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = FeedHost(pages=3)
    pull = service(desk, [feed_channel("a")], host)
    real = desk.ingest._write_batch
    calls = {"n": 0}

    def crash_on_second(*args: Any, **kw: Any) -> list[int]:
        calls["n"] += 1
        ids = real(*args, **kw)  # the rows are written inside the transaction...
        if calls["n"] == 2:
            raise RuntimeError("power cut")  # ...and the transaction never commits
        return ids

    monkeypatch.setattr(desk.ingest, "_write_batch", crash_on_second)
    (report,) = pull.pull()
    assert report.status == "error"
    assert report.pages == 1
    assert "power cut" in (report.message or "")
    assert [rid for _, rid in stored(desk)] == [f"a-1-{i}" for i in range(PER_PAGE)]
    assert state_of(desk, "a").cursor == "1"  # the cursor of the last committed page

    monkeypatch.setattr(desk.ingest, "_write_batch", real)
    (report,) = pull.pull()
    assert report.status == "skipped"  # the circuit opened by the failure
    (report,) = pull.pull(force=True)
    assert (report.status, report.pages, report.new, report.duplicate) == ("ok", 2, 10, 0)
    ids = [rid for _, rid in stored(desk)]
    assert sorted(ids) == sorted(f"a-{p}-{i}" for p in (1, 2, 3) for i in range(PER_PAGE))
    assert len(ids) == len(set(ids))


def test_one_failing_channel_never_stops_the_others(desk: Desk, paged: None) -> None:
    host = FeedHost(pages=2)
    host.faults["bad"] = "500"
    pull = service(desk, [feed_channel("bad"), feed_channel("good")], host)
    bad, good = pull.pull()
    assert (good.status, good.new) == ("ok", 10)
    assert bad.status == "error"
    assert bad.failed
    assert "server error 500" in (bad.message or "")
    tries = [r for r in host.requests if r.url.path.startswith("/bad")]
    assert len(tries) == pull.attempts  # retried with backoff (no real sleep here)
    state = state_of(desk, "bad")
    assert state.consecutive_failures == 1
    assert state.last_error_at is not None
    assert state.circuit_until is not None
    assert state.circuit_until - state.last_error_at == timedelta(seconds=backoff(1))
    # the next failure doubles the pause
    (again,) = pull.pull(["bad"], force=True)
    state = state_of(desk, "bad")
    assert state.consecutive_failures == 2
    assert state.last_error_at is not None
    assert state.circuit_until is not None
    assert state.circuit_until - state.last_error_at == timedelta(seconds=backoff(2))
    assert backoff(2) == 2 * backoff(1)
    assert backoff(50) == 3600


def test_an_open_circuit_skips_the_channel_and_says_until_when(desk: Desk, paged: None) -> None:
    host = FeedHost()
    host.faults["a"] = "500"
    pull = service(desk, [feed_channel("a")], host)
    pull.pull()
    asked = len(host.requests)
    del host.faults["a"]
    (report,) = pull.pull()
    assert report.status == "skipped"
    assert report.failed  # still in trouble: a cron job sees exit 1
    assert "circuit open until" in (report.message or "")
    assert "server error 500" in (report.message or "")  # and why
    assert len(host.requests) == asked  # not even one request
    (report,) = pull.pull(force=True)
    assert report.status == "ok"
    state = state_of(desk, "a")
    assert (state.consecutive_failures, state.circuit_until, state.health) == (0, None, "ok")


def test_429_opens_the_circuit_until_the_reset(desk: Desk, paged: None) -> None:
    host = FeedHost()
    host.faults["a"] = "429"
    pull = service(desk, [feed_channel("a")], host)
    (report,) = pull.pull()
    assert report.status == "rate_limited"
    assert not report.failed  # waiting is not failing
    assert len(host.requests) == 1  # an hour is longer than retrying is willing to sleep
    state = state_of(desk, "a")
    assert state.health == "rate_limited"
    assert state.consecutive_failures == 0
    assert state.circuit_until is not None
    assert state.last_error_at is not None
    assert state.circuit_until - state.last_error_at == timedelta(seconds=3600)
    (report,) = pull.pull()
    assert report.status == "skipped"


def test_a_permanent_error_marks_the_channel_failing(desk: Desk, paged: None) -> None:
    host = FeedHost()
    host.faults["a"] = "401"
    pull = service(desk, [feed_channel("a")], host)
    (report,) = pull.pull()
    assert (report.status, report.health) == ("failing", "failing")
    assert report.failed
    assert len(host.requests) == 1  # retrying cannot fix a refused token
    assert state_of(desk, "a").health == "failing"


class _RefusedToken(PagedFeed):
    """A connector whose login is refused, saying so with a catalog text (as e-mail does)."""

    async def fetch(self, cursor: str | None) -> Any:
        raise PermanentError.from_catalog(
            "email_token_refused",
            channel=self.channel.key,
            server="imap.example.org:993",
            account="contact@ville.example",
            code=", 401",
            secret="env:DESK_CONTACT_TOKEN",
        )


def test_a_platform_error_from_the_catalog_is_said_in_the_reader_s_language(desk: Desk) -> None:
    from desk.cli.channels import _report_lines

    registry.register("rss", _RefusedToken)
    try:
        (report,) = service(desk, [feed_channel("a")], FeedHost()).pull()
    finally:
        registry.unregister("rss")
    assert report.status == "failing"
    english = "rss:a: imap.example.org:993 refused the OAuth2 token of contact@ville.example"
    assert (report.message or "").startswith(english + " (IMAP XOAUTH2, 401) — expired")
    assert state_of(desk, "a").last_error == report.message  # stored in English
    french = "\n".join(_report_lines(report, Catalog("fr")))
    assert "rss:a\u00a0: imap.example.org:993 a refusé le jeton OAuth2" in french
    assert "Placez un nouveau jeton là où pointe env:DESK_CONTACT_TOKEN" in french
    assert "desk pull --channel rss:a --force" in french
    assert "desk pull --channel rss:a --force" in (report.shown_message(Catalog("en").t) or "")


def test_a_missing_connector_fails_its_channels_only(
    desk: Desk, paged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry.PLATFORMS["x"], "connector", "desk.platforms.no_such_module:Nope")
    x = ChannelConfig(name="ville", platform="x", url="http://x.test")
    pull = service(desk, [x, feed_channel("a")], FeedHost(pages=1))
    broken, fine = pull.pull()
    assert fine.new == PER_PAGE
    assert broken.status == "failing"
    assert "connector cannot be loaded" in (broken.message or "")


def test_channel_names_and_disabled_channels(desk: Desk, paged: None) -> None:
    pull = service(desk, [feed_channel("a"), feed_channel("off", enabled=False)], FeedHost(pages=1))
    assert [c.name for c in pull.select()] == ["a"]
    assert [c.name for c in pull.select(["rss:off", "a", "rss:a"])] == ["off", "a"]
    off, a = pull.pull(["off", "a"])
    assert off.status == "skipped"
    assert "disabled" in (off.message or "")
    assert a.new == PER_PAGE
    from desk.errors import InputError

    with pytest.raises(InputError, match="no channel named 'nope'"):
        pull.select(["nope"])


def test_status_shows_cursor_errors_rate_and_counts(desk: Desk, paged: None) -> None:
    host = FeedHost(pages=1)
    host.faults["b"] = "500"
    pull = service(desk, [feed_channel("a"), feed_channel("b"), feed_channel("c")], host)
    pull.pull(["a", "b"])
    a, b, c = pull.status()
    assert (a.health, a.cursor, a.last_new, a.total_new, a.last_error) == ("ok", "1", 5, 5, None)
    assert b.health == "error"
    assert "server error 500" in (b.last_error or "")
    assert b.circuit_open(desk.ingest.clock())
    assert (c.health, c.cursor, c.last_success_at) == ("new", None, None)
    assert set(a.to_json()) >= {"channel", "cursor", "last_error", "circuit_until", "rate_limit"}


async def test_watch_polls_each_channel_and_stops_cleanly(desk: Desk, paged: None) -> None:
    host = FeedHost(pages=1)
    pull = service(desk, [feed_channel("a"), feed_channel("b")], host)
    stop = asyncio.Event()
    events: list[ChannelReport] = []

    def on_event(report: ChannelReport) -> None:
        events.append(report)
        if len(events) == 2:
            stop.set()

    await asyncio.wait_for(pull.watch(stop, on_event), timeout=20)
    assert sorted(e.key for e in events) == ["rss:a", "rss:b"]
    assert all(e.status == "ok" and e.new == PER_PAGE for e in events)
    assert pull.next_delay(feed_channel("a", interval_seconds=60), events[0]) >= 60


async def test_watch_stops_from_another_thread(desk: Desk, paged: None) -> None:
    pull = service(desk, [feed_channel("a", interval_seconds=5)], FeedHost(pages=1))
    stop = threading.Event()
    events: list[ChannelReport] = []

    def seen(report: ChannelReport) -> None:
        events.append(report)
        # Stopped from another thread once the first poll is in (a fixed delay from the start
        # raced the first poll on a loaded machine: it may take longer than the delay).
        threading.Timer(0.5, stop.set).start()

    await asyncio.wait_for(pull.watch(stop, seen), timeout=10)
    assert [e.status for e in events] == ["ok"]  # one poll, then it waited and stopped


@pytest.mark.sqlite_only("SQLite's single-writer file lock and its busy timeout")
def test_the_write_lock_lets_concurrent_channels_store_in_turn(desk: Desk, paged: None) -> None:
    host = FeedHost(pages=3)
    names = [f"f{i}" for i in range(6)]
    pull = service(desk, [feed_channel(n) for n in names], host)
    reports = pull.pull()
    assert [r.new for r in reports] == [15] * 6
    assert len(stored(desk)) == 90
    with transaction(db.session_factory(desk.engine)) as session:
        assert session.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"


# -- the real Mastodon connector against the fake instance ---------------------------------


def test_pulling_a_fake_mastodon_instance_with_the_real_connector(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.channels import connect
    from desk.config.secrets import Secret
    from tests.helpers.fake_platforms import TOKEN, FakeMastodon

    monkeypatch.setattr(  # desk.config.secrets may not be there yet: the channel's token directly
        connect, "resolve_secret", lambda channel, environ=None: Secret(TOKEN, source="test")
    )
    fake = FakeMastodon()
    fake.add_mentions(30)
    ville = ChannelConfig(
        name="ville", platform="mastodon", url=fake.base, secret="env:DESK_VILLE_TOKEN"
    )
    pull = service(desk, [ville], fake)
    (first,) = pull.pull()
    assert (first.status, first.new) == ("ok", 30)
    fake.add_mentions(100)  # 40 a page: three pages forward from the cursor
    (second,) = pull.pull()
    assert (second.status, second.new, second.duplicate) == ("ok", 100, 0)
    assert second.pages >= 3
    assert len(stored(desk)) == 130
    status = pull.status()[0]
    assert status.rate_limit is not None
    assert status.rate_limit["limit"] == 300

    fake.fail_next("echo", "echo")  # hostile error bodies repeating the Authorization header
    (third,) = pull.pull()
    assert third.status in ("error", "failing")
    for text in (third.message or "", pull.status()[0].last_error or ""):
        assert TOKEN not in text


def test_a_token_echoed_by_the_platform_is_scrubbed(
    desk: Desk, paged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.channels import connect
    from desk.config.secrets import Secret

    token = "tok-PULL-0123456789-never-shown"
    monkeypatch.setattr(
        connect, "resolve_secret", lambda channel, environ=None: Secret(token, source="test")
    )
    host = FeedHost()
    host.faults["a"] = "401"  # its error text repeats the Authorization header
    pull = service(desk, [feed_channel("a", secret="env:DESK_A_TOKEN")], host)
    (report,) = pull.pull()
    assert host.requests[0].headers["authorization"] == f"Bearer {token}"
    assert report.message is not None
    assert "Bearer [secret]" in report.message
    assert token not in repr(report.to_json())
    assert token not in repr(pull.status()[0].to_json())


@pytest.mark.parametrize(
    ("tables", "words"),
    [
        (
            '[[channel]]\nname = "a"\nplatform = "rss"\nurl = "https://f.example/a"\n' * 2,
            "channel rss:a is defined twice",
        ),
        (
            '[[channel]]\nname = "v"\nplatform = "mastodon"\nurl = "https://m.example"\n',
            "needs a secret",
        ),
        ('[[channel]]\nname = "n"\nplatform = "rss"\n', "url is required for rss"),
        ('[[channel]]\nname = "n"\nplatform = "rss"\nurl = "file:///etc/passwd"\n', "https://"),
    ],
)
def test_channel_tables_are_checked_when_desk_toml_is_read(
    tmp_path: Path, tables: str, words: str
) -> None:
    from desk.config import load_config
    from desk.errors import ConfigError
    from tests.helpers.desks import DESK_TOML

    path = tmp_path / "desk.toml"
    path.write_text(DESK_TOML + "\n" + tables, encoding="utf-8")
    with pytest.raises(ConfigError, match="channel") as caught:
        load_config(path)
    assert words in str(caught.value)


def test_a_feed_and_a_mastodon_account_with_a_secret_reference_are_accepted(tmp_path: Path) -> None:
    from desk.config import load_config
    from tests.helpers.desks import DESK_TOML

    path = tmp_path / "desk.toml"
    path.write_text(
        DESK_TOML
        + '\n[[channel]]\nname = "ville"\nplatform = "rss"\nurl = "https://f.example/a"\n'
        + '\n[[channel]]\nname = "ville"\nplatform = "mastodon"\nurl = "https://m.example"\n'
        + 'secret = "env:DESK_VILLE_TOKEN"\n',
        encoding="utf-8",
    )
    assert [c.key for c in load_config(path).channel] == ["rss:ville", "mastodon:ville"]


async def test_watch_keeps_polling_a_channel_after_the_database_was_busy(
    desk: Desk, paged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails (the database locked by a long import or purge past busy_timeout)
    must not end the channel's polling for the rest of the watch (or of the open desk)."""
    import sqlalchemy.exc

    pull = service(desk, [feed_channel("a", interval_seconds=5)], FeedHost(pages=1))
    monkeypatch.setattr(pull, "next_delay", lambda _channel, _report: 0.01)
    finish = pull._finish
    calls = {"n": 0}

    def busy_once(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlalchemy.exc.OperationalError("UPDATE", {}, Exception("database is locked"))
        finish(*args)

    monkeypatch.setattr(pull, "_finish", busy_once)
    stop = asyncio.Event()
    events: list[ChannelReport] = []

    def on_event(report: ChannelReport) -> None:
        events.append(report)
        if len(events) == 2:
            stop.set()

    await asyncio.wait_for(pull.watch(stop, on_event), timeout=10)
    assert [e.status for e in events] == ["error", "ok"]
    assert "the database is busy: another desk is writing to it" in (events[0].message or "")
    assert "UPDATE" not in (events[0].message or "")  # never SQLAlchemy's SQL text


def test_a_pull_cut_at_its_page_limit_says_so_in_the_reader_s_language(
    desk: Desk, paged: None
) -> None:
    from desk.cli.channels import _report_lines

    pull = service(desk, [feed_channel("a")], FeedHost(pages=3))
    pull.max_pages = 2
    (report,) = pull.pull()
    assert (report.status, report.pages) == ("ok", 2)
    assert report.to_json()["notes"] == [
        {"code": "more_pages", "args": {"pages": 2}, "section": "pull_note"}
    ]
    french = "\n".join(_report_lines(report, Catalog("fr")))
    assert "limite de pages par relève atteinte (2)\u00a0: la suite viendra" in french
    assert "page limit of one pull reached (2)" in "\n".join(_report_lines(report, Catalog("en")))
