"""``desk serve``: the desk in a browser, one desk process per tab, never without a login.

Built on textual-serve 1.1.3 (pinned: ``DeskServer`` replaces its private ``_make_app`` and
``handle_websocket``, and ``TabService`` its ``_build_environment``; tests/browser guard the
pin). What textual-serve lacks, added here, in the order a request meets it:

1. **Origin** (``_guard``): a request whose ``Origin`` is not the desk's own (``public_url``,
   plus any ``--allowed-origin``) gets 403, and the websocket needs one: a page elsewhere
   cannot drive a logged-in person's desk (cross-site websocket hijacking).
2. **Login**: either a reverse proxy's header (``--trust-proxy-header X-Remote-User``), only
   believed when desk serve listens on loopback (with the proxy's secret in
   ``X-Desk-Proxy-Secret``: any local user reaches loopback) or on a unix socket (opened to
   the proxy's group, ``bind_unix``); or desk's own passphrases, asked with HTTP Basic (401
   until given; refused off loopback without ``--allow-plain-http``), counted per name and per
   address before any scrypt (desk.web.throttle; 429), checked SCRYPT_AT_ONCE at a time by
   desk.staff.gate (scrypt, audited, locked after repeated failures; a success is remembered
   ten minutes in this process, keyed by an HMAC, never the passphrase, until the stored hash
   changes). Unknown or deactivated people get 403.
3. **Caps**: at most ``tabs_per_person`` tabs for one person and ``tabs`` in all (429).
4. **The tab**: only then a process starts (``desk ui``), told who it is by a one-time ticket
   (desk.staff.remote) whose *path* it finds in its environment; the server's own
   ``DESK_PASSPHRASE`` and friends are removed from that environment. When the socket closes
   the process is asked to quit, then killed if it has not within a few seconds.

Everything the page loads comes from the desk's origin (the template in ``templates/`` serves
textual-serve's bundled Roboto Mono; a Content-Security-Policy holds the browser to it), and
``/static`` lists no directory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import grp
import hashlib
import hmac
import ipaddress
import logging
import math
import os
import secrets
import shlex
import shutil
import socket
import stat
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from desk.config import Settings
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.staff import remote
from desk.staff.gate import Gate
from desk.views import StaffView
from desk.web.throttle import Throttle

log = logging.getLogger("desk.serve")
PERSON = web.RequestKey("desk_person", StaffView)
"""Where the door leaves the authenticated person on a request."""

TEMPLATES = Path(__file__).parent / "templates"
STATICS = Path(textual_serve.__file__).parent / "static"
NAME_BURST, NAME_PERIOD = 5, 60.0  # login tries for one name: 5 at once, then one a minute
ADDRESS_BURST, ADDRESS_PERIOD = 10, 6.0  # from one address: 10 at once, then one every 6 s
SCRYPT_AT_ONCE = 2  # passphrase checks (128 MB each) running at the same time
COLUMNS, ROWS = (20, 500), (10, 200)  # a tab's terminal size, whatever the page asks
REMEMBER_SECONDS = 600.0  # a checked passphrase is not checked again (scrypt) for ten minutes
QUIT_GRACE_SECONDS = 5.0  # after the socket closes, how long a tab's process has to quit
PROXY_SECRET_HEADER = "X-Desk-Proxy-Secret"
MIN_SECRET_LENGTH = 16
SECRET_VARIABLES = ("DESK_PASSPHRASE", "DESK_NEW_PASSPHRASE", remote.TICKET_VARIABLE)
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'none'; base-uri 'none'"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _cells(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, int | str):
        return to_int(str(value).strip(), default)
    return default


def tab_size(width: object, height: object) -> tuple[int, int]:
    """The terminal size a tab gets for what the page asked (anything: it comes from the
    browser), held within COLUMNS and ROWS; 80×24 for what is not a number."""
    columns = min(max(_cells(width, 80), COLUMNS[0]), COLUMNS[1])
    rows = min(max(_cells(height, 24), ROWS[0]), ROWS[1])
    return columns, rows


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL as browsers send it in ``Origin``: scheme and host in
    lower case, the scheme's default port left out; "" for what has no origin (``null``, a
    port out of range), which matches nothing."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if not scheme or not host:
        return ""
    host = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def is_bind_all(host: str) -> bool:
    """Whether ``host`` is every address of this machine (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


@dataclass(kw_only=True)
class Options:
    """How ``desk serve`` was asked to run (desk.cli.serve builds it)."""

    settings: Settings
    host: str = "127.0.0.1"
    port: int = 8766
    unix: Path | None = None
    public_url: str | None = None
    allowed_origins: list[str] = field(default_factory=list)
    proxy_header: str | None = None
    proxy_secret: str | None = None
    """What the proxy puts in ``X-Desk-Proxy-Secret`` (``--proxy-secret-file``): required on TCP."""
    unix_group: str | None = None
    """The group the unix socket is opened to (0660), the proxy's (``--unix-group``)."""
    allow_plain_http: bool = False
    """Whether passphrases may be asked (HTTP Basic) on a TCP address other than loopback."""
    tabs_per_person: int = 2
    tabs: int = 10


class TabService(AppService):
    """One tab's desk process: textual-serve's, with the ticket and a cleaned environment."""

    def __init__(self, *args: Any, extra_env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._extra_env = extra_env

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in SECRET_VARIABLES:
            environment.pop(name, None)
        environment.update(self._extra_env)
        return environment

    async def set_terminal_size(self, width: int, height: int) -> None:
        """Tell the process of a resize, held within COLUMNS and ROWS (tab_size)."""
        await super().set_terminal_size(*tab_size(width, height))

    @property
    def pid(self) -> int | None:
        """The tab process's id, once started."""
        return self._process.pid if self._process is not None else None

    async def stop_within(self, seconds: float) -> None:
        """Ask the tab's process to quit (textual-serve's ``stop``, which waits for it); kill
        it if it has not within ``seconds``. (``sh -c`` is dash, which execs the command: the
        process is desk itself.)"""
        process = self._process

        async def stopped() -> None:
            await self.stop()
            if process is not None:
                await process.wait()

        # Not wait_for: textual-serve's reader swallows cancellation, so wait without cancelling.
        stopping = asyncio.ensure_future(stopped())
        done, _pending = await asyncio.wait({stopping}, timeout=seconds)
        if not done and process is not None and process.returncode is None:
            log.warning("tab process %s did not quit: killed", self.pid)
            process.kill()
        await stopping  # the reader ends with the process's output


class DeskServer(Server):
    """textual-serve's Server, with an Origin check, a login, caps, and tickets."""

    def __init__(self, options: Options, gate: Gate, catalog: Catalog) -> None:
        if options.proxy_header and not (options.unix or is_loopback(options.host)):
            raise DeskError.from_catalog("serve_proxy_exposed", host=options.host)
        if options.proxy_header and not options.unix and not options.proxy_secret:
            raise DeskError.from_catalog("serve_proxy_secret_needed")
        exposed = not (options.unix or is_loopback(options.host))
        if exposed and not options.proxy_header and not options.allow_plain_http:
            raise DeskError.from_catalog("serve_plain_http", host=options.host)
        command = shlex.join([sys.executable, "-m", "desk", "ui"])
        super().__init__(
            command,
            host=options.host,
            port=options.port,
            title="desk",
            public_url=options.public_url,
            statics_path=STATICS,
            templates_path=TEMPLATES,
        )
        self.options = options
        self.gate = gate
        self.catalog = catalog
        self.origins = {origin_of(self.public_url), *map(origin_of, options.allowed_origins)}
        self.origins.discard("")  # what has no origin is never the desk's own
        self.tickets = remote.ticket_folder()
        self.tabs: Counter[str] = Counter()
        self.pids: set[int] = set()
        self._key = secrets.token_bytes(32)
        self._remembered: dict[bytes, tuple[str, str | None, float]] = {}
        self.names = Throttle(burst=NAME_BURST, period=NAME_PERIOD)
        self.addresses = Throttle(burst=ADDRESS_BURST, period=ADDRESS_PERIOD)
        self.scrypt = asyncio.Semaphore(SCRYPT_AT_ONCE)

    # -- the application ----------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", STATICS, show_index=False, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Say where the desk is served and how people log in."""
        t = self.catalog.t
        where = str(self.options.unix) if self.options.unix else self.public_url
        how = (
            t("cli.serve.by_proxy", header=self.options.proxy_header)
            if self.options.proxy_header
            else t("cli.serve.by_passphrase")
        )
        print(t("cli.serve.listening", where=where, how=how), flush=True)
        if self.options.unix and self.options.unix_group is None:
            print(t("cli.serve.unix_private", path=str(self.options.unix)), flush=True)
        if self.options.public_url is None and not self.options.unix:
            if is_bind_all(self.options.host):
                print(t("cli.serve.bind_all", host=self.options.host), flush=True)
        exposed = not (self.options.unix or is_loopback(self.options.host))
        if exposed and not self.options.proxy_header and self.public_url.startswith("http:"):
            print(t("cli.serve.plain_http", host=self.options.host), flush=True)
        if not self.gate.everyone:
            own = ", ".join(sorted(self.gate.own)) or "-"
            print(t("cli.serve.only_own", names=own), flush=True)
            why = self.gate.why_not_everyone
            if why is not None and self.gate.config.web.account:  # declared, yet not believed
                message, hint = why.localized(t)
                print(f"  {message}" + (f"\n  {hint}" if hint else ""), flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """Remove the ticket folder (and any ticket no tab took)."""
        shutil.rmtree(self.tickets, ignore_errors=True)

    def serve(self, debug: bool = False) -> None:
        """Run until interrupted, on the TCP address or the unix socket asked for."""
        logging.basicConfig(level="INFO", format="%(message)s")
        where: dict[str, Any] = (
            {"sock": bind_unix(self.options.unix, self.options.unix_group)}
            if self.options.unix
            else {"host": self.options.host, "port": self.options.port}
        )
        web.run_app(self._make_app(), print=None, **where)

    # -- the door -----------------------------------------------------------------------------

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Origin, then login, for every request; security headers on every answer."""
        origin = request.headers.get("Origin")
        websocket = request.path == "/ws"
        if (origin is not None or websocket) and origin_of(origin or "") not in self.origins:
            log.warning("refused: foreign Origin %r on %s", origin, request.path)
            return self._headers(web.Response(status=403, text="403: foreign Origin\n"))
        person = await self._person(request)
        if isinstance(person, web.Response):
            return self._headers(person)
        request[PERSON] = person
        return self._headers(await handler(request))

    def _headers(self, response: web.StreamResponse) -> web.StreamResponse:
        if not response.prepared:
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def _person(self, request: web.Request) -> StaffView | web.Response:
        """The authenticated person of a request, or the answer that refuses it."""
        if self.options.proxy_header:
            peer = request.remote or ""
            if not (self.options.unix or is_loopback(peer)) or not self._from_proxy(request):
                return web.Response(status=403, text="403: not from the proxy\n")
            name = request.headers.get(self.options.proxy_header, "").strip()
            if not name:
                return web.Response(status=401, text="401: no user from the proxy\n")
            person = await asyncio.to_thread(self.gate.person, name)
        else:
            given = _basic(request.headers.get("Authorization", ""))
            if given is None:
                return self._ask_login()
            checked = await self._checked(request.remote or "", *given)
            if isinstance(checked, web.Response):
                return checked
            if checked is None:
                return self._ask_login()
            person = checked
        if person is None or not self.gate.may_serve(person):
            return web.Response(status=403, text="403: not someone this desk serves\n")
        return person

    def _from_proxy(self, request: web.Request) -> bool:
        """Whether the request carries the proxy's secret (always true without one: a unix
        socket only the proxy's group may open)."""
        if self.options.proxy_secret is None:
            return True
        given = request.headers.get(PROXY_SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self.options.proxy_secret.encode())

    def _ask_login(self) -> web.Response:
        realm = self.catalog.t("cli.serve.realm")
        return web.Response(
            status=401,
            text="401\n",
            headers={"WWW-Authenticate": f'Basic realm="{realm}", charset="UTF-8"'},
        )

    async def _checked(
        self, address: str, name: str, passphrase: str
    ) -> StaffView | web.Response | None:
        """The person these credentials prove, remembered a while (until their passphrase
        changes); None when refused; 429 when this name or this address has tried too often
        (counted before any scrypt, which runs SCRYPT_AT_ONCE at a time)."""
        key = hmac.digest(self._key, f"{name}\0{passphrase}".encode(), hashlib.sha256)
        now = time.monotonic()
        remembered = self._remembered.get(key)
        if remembered is not None and remembered[2] > now:
            person, stored = await asyncio.to_thread(self.gate.person_and_hash, remembered[0])
            if person is not None and stored == remembered[1]:
                return person
            del self._remembered[key]
        wait = self.names.take(name.casefold()[:200]) or self.addresses.take(address)
        if wait:
            log.warning("refused: too many login tries (%s from %s)", name[:50], address)
            seconds = str(max(1, math.ceil(wait)))
            return web.Response(status=429, text="429\n", headers={"Retry-After": seconds})
        async with self.scrypt:
            try:
                person = await asyncio.to_thread(self.gate.check, name, passphrase)
            except DeskError:
                return None
            _, stored = await asyncio.to_thread(self.gate.person_and_hash, person.name)
        now = time.monotonic()
        self._remembered = {k: v for k, v in self._remembered.items() if v[2] > now}
        self._remembered[key] = (person.name, stored, now + REMEMBER_SECONDS)
        return person

    # -- pages and tabs -----------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, with its words in the interface language and nothing from elsewhere."""
        t = self.catalog.t
        static = f"{self.public_url}/static/"
        ws = urlsplit(self.public_url)
        scheme = "wss" if ws.scheme == "https" else "ws"
        context = {
            "lang": self.catalog.language,
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{ws.netloc}{ws.path.rstrip('/')}/ws",
            "config": {"static": {"url": static}},
            "application": {"name": "desk"},
            "text": {
                "start": t("cli.serve.start"),
                "ended": t("cli.serve.ended"),
                "restart": t("cli.serve.restart"),
            },
            "ping_url": "",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(  # type: ignore[override]  # a refusal is a plain response
        self, request: web.Request
    ) -> web.StreamResponse:
        """Open one tab: its caps checked, its ticket written, then its process started."""
        person = request[PERSON]
        total = sum(self.tabs.values())
        if self.tabs[person.name] >= self.options.tabs_per_person or total >= self.options.tabs:
            log.warning("refused: tab cap reached for %s (%d open in all)", person.name, total)
            return web.Response(status=429, text="429: too many tabs\n")
        ticket = remote.write_ticket(self.tickets, person.name, self.gate.clock())
        websocket = web.WebSocketResponse(heartbeat=15)
        width, height = tab_size(request.query.get("width"), request.query.get("height"))
        self.tabs[person.name] += 1
        service: TabService | None = None
        try:
            await websocket.prepare(request)
            service = TabService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=False,
                extra_env=self._tab_environment(ticket),
            )
            await service.start(width, height)
            if service.pid is not None:
                self.pids.add(service.pid)
            log.info("tab opened for %s (pid %s)", person.name, service.pid)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("tab for %s failed", person.name)
        finally:
            self.tabs[person.name] -= 1
            ticket.unlink(missing_ok=True)
            if service is not None:
                await service.stop_within(QUIT_GRACE_SECONDS)
                if service.pid is not None:
                    self.pids.discard(service.pid)
                log.info("tab closed for %s (pid %s)", person.name, service.pid)
        return websocket

    def _tab_environment(self, ticket: Path) -> dict[str, str]:
        settings = self.options.settings
        env = {remote.TICKET_VARIABLE: str(ticket), "DESK_DB": settings.db_url()}
        env["DESK_CONFIG"] = str(settings.config_path())
        env["DESK_LANG"] = self.catalog.language
        return env


def _basic(header: str) -> tuple[str, str] | None:
    """Name and passphrase of an ``Authorization: Basic`` header (UTF-8), else None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, passphrase = decoded.partition(":")
    return (name, passphrase) if colon and name else None


def read_proxy_secret(path: Path) -> str:
    """The proxy's secret from ``path`` (``--proxy-secret-file``): a file others cannot read,
    of at least MIN_SECRET_LENGTH characters once stripped."""
    try:
        mode = path.stat().st_mode
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise DeskError.from_catalog("serve_secret_file", path=str(path), why=str(exc)) from exc
    if mode & 0o007:
        raise DeskError.from_catalog("serve_secret_file", path=str(path), why=oct(mode & 0o777))
    if len(secret) < MIN_SECRET_LENGTH:
        why = f"< {MIN_SECRET_LENGTH}"
        raise DeskError.from_catalog("serve_secret_file", path=str(path), why=why)
    return secret


def bind_unix(path: Path, group: str | None) -> socket.socket:
    """A listening unix socket at ``path`` (a stale socket there replaced). Bound under run()'s
    umask (0700: only this account); with ``group``, then given to that group, mode 0660, so
    that a proxy in the group (nginx's www-data) can connect."""
    gid = None
    if group is not None:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise DeskError.from_catalog("serve_unix_group", group=group, why="?") from None
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(path.lstat().st_mode):
            path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        if gid is not None:
            try:
                os.chown(path, -1, gid)
            except OSError as exc:
                raise DeskError.from_catalog("serve_unix_group", group=group, why=str(exc)) from exc
            os.chmod(path, 0o660)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def run(options: Options, gate: Gate, catalog: Catalog) -> None:
    """Serve until interrupted (Ctrl+C or SIGTERM)."""
    os.umask(0o077)  # tickets and anything else this server writes: its own account's only
    DeskServer(options, gate, catalog).serve()
