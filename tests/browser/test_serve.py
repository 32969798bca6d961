"""``desk serve`` in a real headless browser (tests/browser/conftest.py says which).

One server for the module, started as people start it (``python -m desk serve``), on a desk
whose supervisor amelie is the OS login running the tests (so the server may open her tabs
without a ``[web] account``: desk.staff.gate) and bruno is someone else. The terminal is drawn
by xterm.js on a canvas, not in the DOM, so what the page shows is read from the websocket
frames the browser received (the desk's screen output, escape sequences removed).
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import open_desk
from desk.config import Settings, os_user
from tests.helpers.desks import DESK_TOML, TEST_PASSPHRASE, add, give_passphrases, mention

pytestmark = pytest.mark.browser

MENTION = "La collecte des encombrants est en retard rue Sainte-Catherine"
FRENCH = "Très bien, ça marche à l'école « merci »"
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-B]|\x1b."
)


@dataclass
class Served:
    """The running server: where it is, its process, the desk's settings."""

    url: str
    port: int
    process: subprocess.Popen[str]
    settings: Settings
    log: Path

    def children(self) -> set[int]:
        """Every process started under the server (its tabs), from /proc."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found: set[int] = set()
        frontier = {self.process.pid}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(
    condition: Callable[[], bool], seconds: float, what: str, page: Any | None = None
) -> None:
    """Poll ``condition``; with a ``page``, wait through it so that Playwright's events (the
    websocket frames) are delivered meanwhile."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        if page is not None:
            page.wait_for_timeout(50)
        else:
            time.sleep(0.05)


@pytest.fixture(scope="module")
def served(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``desk serve --tabs-per-person 1`` on a desk with one mention in its queue."""
    login = os_user()
    if not login:
        pytest.skip("the real uid has no login name to map amelie to")
    folder = tmp_path_factory.mktemp("served")
    text = DESK_TOML.replace(
        'role = "supervisor"\n', f'role = "supervisor"\nos_users = ["{login}"]\n', 1
    )
    (folder / "desk.toml").write_text(text, encoding="utf-8")
    settings = Settings(db=str(folder / "desk.db"), config=folder / "desk.toml")
    desk = open_desk(settings)  # as amelie, by the OS login
    try:
        give_passphrases(desk)
        add(desk, mention("1", MENTION))
    finally:
        desk.close()
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DESK_DB": str(settings.db),
        "DESK_CONFIG": str(settings.config),
        "DESK_PASSPHRASE": TEST_PASSPHRASE,  # the server's own: never handed to a tab
    }
    log = folder / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "desk", "--lang", "fr", "serve", "--port", str(port)]
            + ["--tabs-per-person", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    served = Served(f"http://127.0.0.1:{port}", port, process, settings, log)
    try:
        _wait(lambda: "desk serve" in log.read_text(), 30, f"desk serve starts: {log}")
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _basic(name: str, passphrase: str = TEST_PASSPHRASE) -> str:
    return "Basic " + base64.b64encode(f"{name}:{passphrase}".encode()).decode()


def _upgrade(served: Served, **headers: str) -> int:
    """The status of a websocket handshake on /ws with these headers."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        connection.request(
            "GET",
            "/ws",
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                **headers,
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_without_a_login_the_page_is_401_and_nothing_starts(browser: Any, served: Served) -> None:
    from playwright.sync_api import Error

    context = browser.new_context()
    answers: list[Any] = []
    try:
        page = context.new_page()
        page.on("response", lambda answer: answers.append(answer))
        with pytest.raises(Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
            page.goto(served.url)  # Chromium asks for a login, and nobody gives one
    finally:
        context.close()
    assert [(a.url, a.status) for a in answers] == [(served.url + "/", 401)]
    assert answers[0].headers["www-authenticate"].startswith("Basic ")
    origin = {"Origin": served.url}
    assert _upgrade(served, **origin) == 401
    assert _upgrade(served, Authorization=_basic("amelie", "wrong passphrase"), **origin) == 401
    # bruno's passphrase is right, but this account is not desk.toml's [web] account and bruno
    # is not the OS login running it: refused before any process starts.
    assert _upgrade(served, Authorization=_basic("bruno"), **origin) == 403
    assert served.children() == set()


def test_a_foreign_origin_is_refused_before_any_process(browser: Any, served: Served) -> None:
    login = {"Authorization": _basic("amelie")}
    assert _upgrade(served, Origin="http://evil.example", **login) == 403
    assert _upgrade(served, **login) == 403  # a websocket must say where it comes from
    # In the browser: a page of another site (answered here by Playwright, no network) tries
    # the desk's websocket with the person's login at hand; the browser says where it comes
    # from, the server refuses the handshake, and no desk starts.
    context = browser.new_context(
        http_credentials={"username": "amelie", "password": TEST_PASSPHRASE}
    )
    try:
        page = context.new_page()
        page.route(
            "http://evil.example/**",
            lambda route: route.fulfill(
                body="<html><body>evil</body></html>", content_type="text/html"
            ),
        )
        page.goto("http://evil.example/")
        outcome = page.evaluate(
            """url => new Promise(done => {
                const ws = new WebSocket(url);
                ws.onopen = () => done("open");
                ws.onerror = () => done("refused");
            })""",
            f"ws://127.0.0.1:{served.port}/ws",
        )
    finally:
        context.close()
    assert outcome == "refused"
    assert served.children() == set()
    assert "foreign Origin 'http://evil.example' on /ws" in served.log.read_text()


@dataclass
class Screen:
    """What the desk drew in one tab, as text (escape sequences removed)."""

    chunks: list[str] = field(default_factory=list)

    def received(self, payload: str | bytes) -> None:
        data = payload.encode("latin-1") if isinstance(payload, str) else payload
        self.chunks.append(ESCAPES.sub("", data.decode("utf-8", "replace")))

    def shows(self, text: str) -> bool:
        return text in "".join(self.chunks)


def test_a_tab_shows_the_queue_takes_french_and_leaves_no_process(
    browser: Any, served: Served
) -> None:
    context = browser.new_context(
        http_credentials={"username": "amelie", "password": TEST_PASSPHRASE}
    )
    screen = Screen()
    page = context.new_page()
    page.on(
        "websocket", lambda ws: ws.on("framereceived", lambda payload: screen.received(payload))
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        response = page.goto(served.url)
        assert response is not None
        assert response.status == 200
        drawn = "() => document.body.classList.contains('-first-byte')"  # no eval: CSP
        _wait(lambda: bool(page.evaluate(drawn)), 20, "the desk draws in the page")
        _wait(lambda: screen.shows("Sainte-Catherine"), 20, "the queue shows the mention", page)
        tabs = served.children()
        assert tabs, "a desk process runs for the tab"
        environ = [Path(f"/proc/{pid}/environ").read_bytes() for pid in tabs]
        assert not any(b"DESK_PASSPHRASE=" in env for env in environ)
        # One tab per person here (--tabs-per-person 1): a second is refused, nothing starts.
        second = _upgrade(served, Origin=served.url, Authorization=_basic("amelie"))
        assert second == 429
        assert served.children() == tabs

        page.locator("#terminal").click()
        page.keyboard.press("r")  # reply to the highlighted mention: the composer opens
        _wait(lambda: screen.shows("Signée"), 10, "the composer opens", page)
        page.keyboard.type(FRENCH)
        _wait(lambda: screen.shows(FRENCH), 10, f"the composer shows {FRENCH!r}", page)
    except AssertionError:
        print("".join(screen.chunks)[-3000:])
        raise
    finally:
        page.close()
        context.close()
    _wait(lambda: not served.children(), 10, "the tab's process ends with the tab")
    assert all(url.startswith(served.url + "/") for url in requests), requests
    desk = open_desk(served.settings)
    try:
        logins = [e for e in desk.queries.audit_log(limit=50) if e.action == "auth.remote"]
    finally:
        desk.close()
    assert [(e.actor, e.data["via"]) for e in logins] == [("amelie", "web")]
