"""The door of ``desk serve`` without a browser (aiohttp's test client, no tab started): the
Origin check, both logins, what the page loads, and when a proxy's header may be believed.
The browser itself is tests/browser."""

from __future__ import annotations

import asyncio
import base64
import grp
import os
import stat
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from desk import db
from desk.bootstrap import open_desk
from desk.config import Settings
from desk.db import store
from desk.errors import DeskError, PermissionDenied
from desk.i18n import Catalog
from desk.staff import identity
from desk.staff.gate import open_gate
from desk.views import StaffView
from desk.web.server import (
    ADDRESS_BURST,
    NAME_BURST,
    SCRYPT_AT_ONCE,
    DeskServer,
    Options,
    bind_unix,
    is_loopback,
    origin_of,
    read_proxy_secret,
)
from tests.helpers.clock import FakeClock
from tests.helpers.desks import TEST_PASSPHRASE, open_test_desk

ORIGIN = "http://127.0.0.1:8766"  # the default public URL's
SECRET = "a secret only the proxy knows"
FROM_PROXY = {"X-Desk-Proxy-Secret": SECRET}


def _basic(name: str, passphrase: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{passphrase}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _server(settings: Settings, **options: object) -> DeskServer:
    open_test_desk(settings).close()  # the staff, each with TEST_PASSPHRASE
    gate = open_gate(settings)
    gate.everyone = True  # as desk.toml's [web] account would be (tests/unit/staff/test_remote.py)
    return DeskServer(Options(settings=settings, **options), gate, Catalog("fr"))  # type: ignore[arg-type]


async def _client(settings: Settings, **options: object) -> AsyncIterator[TestClient]:
    server = _server(settings, **options)
    async with TestClient(TestServer(await server._make_app())) as client:
        yield client


@pytest.fixture
async def by_passphrase(settings: Settings) -> AsyncIterator[TestClient]:
    async for client in _client(settings):
        yield client


@pytest.fixture
async def by_proxy(settings: Settings) -> AsyncIterator[TestClient]:
    async for client in _client(settings, proxy_header="X-Remote-User", proxy_secret=SECRET):
        yield client


async def test_passphrase_login_and_a_page_that_loads_nothing_from_elsewhere(
    by_passphrase: TestClient,
) -> None:
    anonymous = await by_passphrase.get("/")
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"].startswith('Basic realm="desk"')
    wrong = await by_passphrase.get("/", headers=_basic("amelie", "not hers"))
    assert wrong.status == 401
    unknown = await by_passphrase.get("/", headers=_basic("zoe", TEST_PASSPHRASE))
    assert unknown.status == 401
    page = await by_passphrase.get("/", headers=_basic("amelie", TEST_PASSPHRASE))
    assert page.status == 200
    html = await page.text()
    assert "googleapis" not in html
    urls = [part.split('"')[0] for part in html.split('="http')[1:]] + [
        part.split('"')[0] for part in html.split('url("http')[1:]
    ]
    assert urls
    assert all(("http" + url).startswith((ORIGIN + "/", "http://www.w3.org/")) for url in urls)
    assert 'lang="fr"' in html
    assert "Session terminée." in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    font = await by_passphrase.get(
        "/static/fonts/RobotoMono-VariableFont_wght.ttf",
        headers=_basic("amelie", TEST_PASSPHRASE),
    )
    assert font.status == 200
    listing = await by_passphrase.get("/static/", headers=_basic("amelie", TEST_PASSPHRASE))
    assert listing.status in {403, 404}  # textual-serve lists the folder; desk serve does not


async def test_a_foreign_origin_is_refused_first(by_passphrase: TestClient) -> None:
    login = _basic("amelie", TEST_PASSPHRASE)
    assert (await by_passphrase.get("/ws", headers=login | {"Origin": "http://evil"})).status == 403
    assert (await by_passphrase.get("/ws", headers=login)).status == 403  # no Origin at all
    assert (await by_passphrase.get("/", headers={"Origin": "https://evil"})).status == 403
    assert (await by_passphrase.get("/", headers=login | {"Origin": ORIGIN})).status == 200


async def test_a_proxy_names_the_person(by_proxy: TestClient) -> None:
    assert (await by_proxy.get("/", headers=FROM_PROXY)).status == 401
    zoe = {"X-Remote-User": "zoe"} | FROM_PROXY
    assert (await by_proxy.get("/", headers=zoe)).status == 403
    bruno = {"X-Remote-User": "bruno"}
    assert (await by_proxy.get("/", headers=bruno | FROM_PROXY)).status == 200
    # The proxy's header is the login: a Basic header of someone else's changes nothing.
    mixed = zoe | _basic("amelie", TEST_PASSPHRASE)
    assert (await by_proxy.get("/", headers=mixed)).status == 403
    # Loopback is not the proxy: any local user can reach 127.0.0.1 and name anyone.
    admin = {"X-Remote-User": "amelie", "Origin": ORIGIN}
    assert (await by_proxy.get("/ws", headers=admin)).status == 403
    wrong = admin | {"X-Desk-Proxy-Secret": SECRET + "!"}
    assert (await by_proxy.get("/ws", headers=wrong)).status == 403


def test_a_proxy_header_is_believed_only_on_loopback(settings: Settings) -> None:
    open_test_desk(settings).close()
    gate = open_gate(settings)
    options = Options(
        settings=settings, host="0.0.0.0", proxy_header="X-Remote-User", proxy_secret=SECRET
    )
    with pytest.raises(DeskError) as exposed:
        DeskServer(options, gate, Catalog("en"))
    assert exposed.value.key == "serve_proxy_exposed"


def test_a_proxy_header_on_tcp_needs_the_proxy_secret(settings: Settings, tmp_path: Path) -> None:
    open_test_desk(settings).close()
    gate = open_gate(settings)
    options = Options(settings=settings, proxy_header="X-Remote-User")
    with pytest.raises(DeskError) as bare:
        DeskServer(options, gate, Catalog("en"))
    assert bare.value.key == "serve_proxy_secret_needed"
    on_socket = Options(settings=settings, unix=tmp_path / "d.sock", proxy_header="X-Remote-User")
    assert DeskServer(on_socket, gate, Catalog("en")).options.proxy_secret is None


def test_the_proxy_secret_file_is_private_and_long_enough(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    assert read_proxy_secret(path) == SECRET
    path.chmod(0o644)
    with pytest.raises(DeskError) as readable:
        read_proxy_secret(path)
    assert readable.value.key == "serve_secret_file"
    path.write_text("short")
    path.chmod(0o600)
    with pytest.raises(DeskError) as short:
        read_proxy_secret(path)
    assert short.value.key == "serve_secret_file"
    with pytest.raises(DeskError):
        read_proxy_secret(tmp_path / "absent")


def test_the_unix_socket_is_for_the_proxy_group(tmp_path: Path) -> None:
    """run() keeps everything it writes private (umask 077): the socket is opened to the
    proxy's group, 0660, after the bind."""
    group = grp.getgrgid(os.getgid()).gr_name
    path = tmp_path / "desk.sock"
    before = os.umask(0o077)
    try:
        sock = bind_unix(path, group)
    finally:
        os.umask(before)
    with sock:
        assert stat.S_IMODE(path.stat().st_mode) == 0o660
        assert path.stat().st_gid == os.getgid()
    with bind_unix(path, None):  # a stale socket is replaced; without a group: 0700 (umask)
        assert stat.S_ISSOCK(path.stat().st_mode)
    with pytest.raises(DeskError) as unknown:
        bind_unix(tmp_path / "other.sock", "no-such-group-here")
    assert unknown.value.key == "serve_unix_group"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True)]
    + [("localhost", True), ("0.0.0.0", False), ("192.0.2.7", False), ("desk.example", False)],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


async def test_a_tab_process_that_does_not_quit_is_killed() -> None:
    """A desk that ignores textual-serve's quit (hung, or busy) is killed after the grace time:
    closing a tab never leaves a process behind."""
    from textual_serve.download_manager import DownloadManager

    from desk.web.server import TabService

    async def ignore(*_args: object) -> None:
        return None

    service = TabService(
        "exec sleep 60",  # never reads its input, never quits
        write_bytes=ignore,
        write_str=ignore,
        close=ignore,
        download_manager=DownloadManager(),
        extra_env={},
    )
    await service.start(80, 24)
    assert service.pid is not None
    await service.stop_within(0.3)
    assert service._process is not None
    assert service._process.returncode == -9  # SIGKILL


async def test_tabs_in_all_are_capped_before_any_process(settings: Settings) -> None:
    open_test_desk(settings).close()
    gate = open_gate(settings)
    gate.everyone = True
    server = DeskServer(Options(settings=settings, tabs=3), gate, Catalog("en"))
    server.tabs.update({"bruno": 2, "chloe": 1})  # three tabs open, none of them amelie's
    async with TestClient(TestServer(await server._make_app())) as client:
        login = _basic("amelie", TEST_PASSPHRASE) | {"Origin": ORIGIN}
        assert (await client.get("/ws", headers=login)).status == 429
        assert server.tabs["amelie"] == 0
        assert list(server.tickets.iterdir()) == []  # no ticket written: nothing was to start
    assert not server.tickets.exists()  # the server removes its ticket folder on shutdown


def _audited(settings: Settings, action: str) -> int:
    desk = open_desk(settings, as_name="amelie", clock=FakeClock())
    try:
        return sum(e.action == action for e in desk.queries.audit_log(limit=500))
    finally:
        desk.close()


async def test_logins_are_throttled_before_any_scrypt(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An anonymous client cannot make the server run scrypt (128 MB) at will, nor write an
    audit event per try: per name, then per address, a try over the limit gets 429 first."""
    server = _server(settings)
    checks: list[str] = []
    check = server.gate.check

    def counted(name: str, passphrase: str) -> StaffView:
        checks.append(name)
        return check(name, passphrase)

    monkeypatch.setattr(server.gate, "check", counted)
    async with TestClient(TestServer(await server._make_app())) as client:
        answers = [await client.get("/", headers=_basic("bruno", f"guess {n}")) for n in range(8)]
        statuses = [a.status for a in answers]
        assert statuses == [401] * NAME_BURST + [429] * (8 - NAME_BURST)
        assert int(answers[-1].headers["Retry-After"]) >= 1
        assert checks == ["bruno"] * NAME_BURST
        others = [await client.get("/", headers=_basic(f"x{n}", "guess")) for n in range(12)]
        refused = [a.status for a in others].count(429)
        assert refused == 12 - (ADDRESS_BURST - NAME_BURST)  # the address's burst is spent
        assert len(checks) == ADDRESS_BURST


async def test_scrypt_checks_run_a_few_at_a_time(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = _server(settings)
    running: list[int] = [0]
    most: list[int] = [0]
    lock = threading.Lock()

    def slow(name: str, passphrase: str) -> StaffView:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        raise PermissionDenied("no")

    monkeypatch.setattr(server.gate, "check", slow)
    async with TestClient(TestServer(await server._make_app())) as client:
        tries = [client.get("/", headers=_basic(f"p{n}", "guess")) for n in range(6)]
        answers = await asyncio.gather(*tries)
    assert [a.status for a in answers] == [401] * 6
    assert most[0] == SCRYPT_AT_ONCE


def test_a_locked_account_is_refused_without_an_audit_event_per_try(settings: Settings) -> None:
    open_test_desk(settings).close()
    gate = open_gate(settings, FakeClock())
    for _ in range(identity.FREE_ATTEMPTS):
        with pytest.raises(PermissionDenied):
            gate.check("bruno", "wrong guess")
    before = _audited(settings, "auth.failed")
    for _ in range(3):
        with pytest.raises(PermissionDenied) as locked:
            gate.check("bruno", TEST_PASSPHRASE)
        assert locked.value.key == "as_locked"
    assert _audited(settings, "auth.failed") == before


def test_an_unknown_name_costs_a_scrypt_like_a_known_one(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_test_desk(settings).close()
    gate = open_gate(settings)
    checked: list[str] = []
    real = identity.check_passphrase

    def counted(passphrase: str, stored: str) -> bool:
        checked.append(passphrase)
        return real(passphrase, stored)

    monkeypatch.setattr(identity, "check_passphrase", counted)
    with db.transaction(gate.write_factory) as session:  # chloe has no passphrase yet
        row = store.staff_rows(session=session)["chloe"]
        row.passphrase_hash = None
        session.add(row)
    for name in ("zoe", "chloe", "bruno"):
        with pytest.raises(PermissionDenied):
            gate.check(name, f"a guess for {name}")
    assert checked == [f"a guess for {name}" for name in ("zoe", "chloe", "bruno")]


def test_plain_http_basic_off_loopback_needs_to_be_asked_for(settings: Settings) -> None:
    open_test_desk(settings).close()
    gate = open_gate(settings)
    with pytest.raises(DeskError) as plain:
        DeskServer(Options(settings=settings, host="192.0.2.7"), gate, Catalog("en"))
    assert plain.value.key == "serve_plain_http"
    allowed = Options(settings=settings, host="192.0.2.7", allow_plain_http=True)
    assert DeskServer(allowed, gate, Catalog("en")).options.allow_plain_http


async def test_a_remembered_login_ends_when_the_passphrase_changes(settings: Settings) -> None:
    server = _server(settings)
    async with TestClient(TestServer(await server._make_app())) as client:
        login = _basic("bruno", TEST_PASSPHRASE)
        assert (await client.get("/", headers=login)).status == 200
        desk = open_desk(settings, as_name="bruno", clock=FakeClock())
        try:
            desk.identity.set_passphrase("bruno", "a brand new passphrase")
        finally:
            desk.close()
        assert (await client.get("/", headers=login)).status == 401
        fresh = _basic("bruno", "a brand new passphrase")
        assert (await client.get("/", headers=fresh)).status == 200


@pytest.mark.parametrize(
    ("asked", "given"),
    [((80, 24), (80, 24)), ((10**9, 10**9), (500, 200)), ((-5, 0), (20, 10))]
    + [(("wide", None), (80, 24)), ((120.7, "40"), (120, 40))],
)
async def test_a_tab_size_from_the_browser_is_bounded(
    asked: tuple[object, object], given: tuple[int, int]
) -> None:
    """Width and height come from the page (the websocket's query, then resize messages): a
    huge terminal would make the tab's desk allocate without end."""
    from textual_serve.download_manager import DownloadManager

    from desk.web.server import TabService, tab_size

    assert tab_size(*asked) == given
    sent: list[dict[str, object]] = []

    async def ignore(*_args: object) -> None:
        return None

    service = TabService(
        "true",
        write_bytes=ignore,
        write_str=ignore,
        close=ignore,
        download_manager=DownloadManager(),
        extra_env={},
    )

    async def meta(data: dict[str, object]) -> bool:
        sent.append(data)
        return True

    service.send_meta = meta  # type: ignore[method-assign, assignment]
    await service.set_terminal_size(*asked)  # type: ignore[arg-type]
    assert sent == [{"type": "resize", "width": given[0], "height": given[1]}]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Desk.Example", "https://desk.example"),
        ("https://desk.example:443", "https://desk.example"),
        ("HTTP://desk.example:80/path", "http://desk.example"),
        ("http://desk.example:8443", "http://desk.example:8443"),
        ("https://[::1]:443", "https://[::1]"),
        ("http://127.0.0.1:8766", "http://127.0.0.1:8766"),
        ("null", ""),
        ("https://desk.example:99999", ""),
    ],
)
def test_origins_are_compared_as_browsers_mean_them(url: str, origin: str) -> None:
    assert origin_of(url) == origin


async def test_an_origin_with_its_default_port_is_the_desk_s_own(settings: Settings) -> None:
    async for client in _client(settings, public_url="https://desk.example"):
        login = _basic("amelie", TEST_PASSPHRASE)
        for same in ("https://desk.example", "https://DESK.example:443"):
            assert (await client.get("/", headers=login | {"Origin": same})).status == 200
        for other in ("http://desk.example", "https://desk.example:8443", "null"):
            assert (await client.get("/", headers=login | {"Origin": other})).status == 403


async def test_a_public_url_made_from_a_bind_all_address_is_warned_of(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    server = _server(settings, host="0.0.0.0", allow_plain_http=True)
    warning = Catalog("fr").t("cli.serve.bind_all", host="0.0.0.0")
    await server.on_startup(await server._make_app())
    assert warning in capsys.readouterr().out
    named = _server(settings, host="0.0.0.0", allow_plain_http=True, public_url="https://d.example")
    await named.on_startup(await named._make_app())
    assert warning not in capsys.readouterr().out


async def test_a_unix_socket_without_a_group_is_said_to_be_private(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # a proxy under another account (nginx's www-data) would meet "permission denied" with no
    # clue: the start-up lines say the socket is this account's only and how to open it
    note = Catalog("fr").t("cli.serve.unix_private", path=str(tmp_path / "desk.sock"))
    assert "--unix-group" in note
    private = _server(settings, unix=tmp_path / "desk.sock")
    await private.on_startup(await private._make_app())
    assert note in capsys.readouterr().out
    shared = _server(settings, unix=tmp_path / "desk.sock", unix_group="nogroup")
    await shared.on_startup(await shared._make_app())
    assert "0700" not in capsys.readouterr().out
