"""A private Dovecot (``.ci/email/setup.sh``), an SMTP sink (aiosmtpd) and an OAuth2 token
introspection endpoint (for Dovecot's oauth2 passdb and the sink's XOAUTH2), all on 127.0.0.1.

Without Dovecot installed the e-mail tests are skipped, saying how to install it — except in CI,
where ``DESK_CI_EMAIL=1`` (set by ``.ci/run``) turns a missing or broken server into a failure.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from imapclient import IMAPClient

REPO = Path(__file__).resolve().parents[3]
SETUP = REPO / ".ci" / "email" / "setup.sh"
DOVECOT = "/usr/sbin/dovecot"
USER = "desk@example.test"
PASSWORD = "secret"


def required() -> bool:
    """True in CI (.ci/run sets DESK_CI_EMAIL=1): Dovecot must run, never be skipped."""
    return os.environ.get("DESK_CI_EMAIL") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    """A running private Dovecot: where it listens and how to put mail in."""

    port: int
    folder: Path
    host: str = "127.0.0.1"

    def client(self, user: str = USER) -> Any:
        conn = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def append(self, folder: str, *messages: bytes) -> list[int]:
        """APPEND each message (as a second client would); their UIDs."""
        uids = []
        with self.client() as conn:
            for data in messages:
                said = conn.append(folder, data)
                uids.append(int(said.split()[2].rstrip(b"]")))
        return uids

    def flags(self, folder: str) -> dict[int, tuple[bytes, ...]]:
        with self.client() as conn:
            conn.select_folder(folder, readonly=True)
            uids = conn.search(["ALL"])
            return {uid: data[b"FLAGS"] for uid, data in conn.fetch(uids, ["FLAGS"]).items()}

    def kick(self) -> None:
        """Cut every IMAP session of the test user (the server side of a dropped connection)."""
        subprocess.run(
            ["doveadm", "-c", str(self.folder / "dovecot.conf"), "kick", USER],
            capture_output=True,
            timeout=30,
            check=False,
        )


@contextmanager
def running_dovecot(oauth_url: str | None = None) -> Iterator[Dovecot]:
    """A fresh Dovecot in its own directory (under /tmp: the dovenull user must reach it);
    with ``oauth_url``, it also takes XOAUTH2 logins, asking that introspection endpoint."""
    if not Path(DOVECOT).exists():
        reason = (
            "Dovecot is not installed (run .ci/email/setup.sh, or apt-get install dovecot-imapd)"
        )
        if required():
            pytest.fail(f"DESK_CI_EMAIL=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="desk-dovecot-"))
    port = free_port()
    started = subprocess.run(
        ["bash", str(SETUP), "start", str(folder), str(port), *([oauth_url] if oauth_url else [])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    server = Dovecot(port=port, folder=folder)
    try:
        if started.returncode != 0:
            pytest.fail(f"Dovecot did not start: {started.stdout[-600:]}{started.stderr[-600:]}")
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    log = (folder / "dovecot.log").read_text(errors="replace")[-800:]
                    pytest.fail(f"Dovecot does not answer on 127.0.0.1:{port}: {log}")
                time.sleep(0.1)
        yield server
    finally:
        subprocess.run(
            ["bash", str(SETUP), "stop", str(folder)], capture_output=True, timeout=60, check=False
        )
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Sink:
    """What the SMTP sink received; ``drop_after_data`` cuts the connection once the message is
    in, before the server's answer (the ambiguous case of RFC 1047)."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    drop_after_data: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        if self.drop_after_data:
            server.transport.close()
            return "250 never heard"
        return "250 OK queued"


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    """An aiosmtpd server on 127.0.0.1 and a free port."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@dataclass
class Tokens:
    """The OAuth2 provider of the tests: ``valid`` is the one access token it vouches for (as
    ``USER``); every token it was asked about is in ``asked``."""

    valid: str
    asked: list[str] = field(default_factory=list)

    def check(self, token: str) -> bool:
        self.asked.append(token)
        return token == self.valid


@contextmanager
def introspection(tokens: Tokens) -> Iterator[str]:
    """An RFC 7662 introspection endpoint on 127.0.0.1 (``POST token=...``, as Dovecot's
    oauth2 passdb sends it with ``introspection_mode = post``); its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = min(int(self.headers.get("content-length") or 0), 65_536)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            token = (form.get("token") or [""])[0]
            said = {"active": True, "username": USER} if tokens.check(token) else {"active": False}
            body = json.dumps(said).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # quiet: pytest shows stderr on failure
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/introspect"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class OAuthSink(Sink):
    """The SMTP sink, taking mail only after ``AUTH XOAUTH2`` with a token ``tokens`` vouches
    for; a refused token gets Google's answer (a ``334`` JSON error, then ``535``)."""

    tokens: Tokens

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        blob = base64.b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        text = blob.decode() if isinstance(blob, bytes) else ""
        fields: dict[str, str] = {}
        for part in text.split("\x01"):
            name, _, value = part.partition("=")
            fields[name] = value
        token = fields.get("auth", "").removeprefix("Bearer ")
        if fields.get("user") == USER and self.tokens.check(token):
            return AuthResult(success=True, auth_data=USER)
        await server.challenge_auth('{"status":"401","schemes":"bearer","scope":"mail"}')
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def oauth_sink(tokens: Tokens) -> Iterator[tuple[OAuthSink, int]]:
    """An aiosmtpd server on 127.0.0.1 that asks for XOAUTH2 (plaintext: loopback only)."""
    sink = OAuthSink()
    sink.tokens = tokens
    port = free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,  # (auth_required would warn without TLS: handle_DATA checks)
        auth_exclude_mechanism=["LOGIN", "PLAIN"],
    )
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
