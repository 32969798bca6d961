"""A private Dovecot (``.ci/email/setup.sh``) and an SMTP sink (aiosmtpd) on 127.0.0.1.

Without Dovecot installed the e-mail tests are skipped, saying how to install it — except in CI,
where ``DESK_CI_EMAIL=1`` (set by ``.ci/run``) turns a missing or broken server into a failure.
"""

from __future__ import annotations

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
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
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
def running_dovecot() -> Iterator[Dovecot]:
    """A fresh Dovecot in its own directory (under /tmp: the dovenull user must reach it)."""
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
        ["bash", str(SETUP), "start", str(folder), str(port)],
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
