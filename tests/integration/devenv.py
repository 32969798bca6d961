"""Starting and stopping Bluesky's reference servers (``@atproto/dev-env``) on loopback.

``.ci/bluesky/setup.sh`` installs them (Node 22, npm packages, a private PostgreSQL) and writes
``.ci/.tools/bluesky.env``; ``running_network`` starts one network with
``.ci/bluesky/launch.mjs``, checks with ``ss -ltnp`` that every server listens on 127.0.0.1
only, and stops it afterwards.

Without the setup the tests are skipped, saying how to run them — except in CI, where
``DESK_CI_BLUESKY=1`` turns a missing setup or a network that cannot start into a failure.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / ".ci" / "bluesky"
ENV_FILE = REPO / ".ci" / ".tools" / "bluesky.env"
START_TIMEOUT = 180.0  # seconds; ~5 s on an idle machine
READY = "DESK_BSKY_READY "


def required() -> bool:
    """True in CI (.ci/run sets DESK_CI_BLUESKY=1): the network must run, never be skipped."""
    return os.environ.get("DESK_CI_BLUESKY") == "1"


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if required():
        pytest.fail(f"Bluesky reference servers: {reason}", pytrace=False)
    pytest.skip(f"{reason} (run .ci/bluesky/setup.sh to install Bluesky's reference servers)")


@dataclass
class BlueskyNetwork:
    """The running servers' URLs and what starting them cost."""

    pds: str
    appview: str
    plc: str
    node: str
    pid: int
    log: Path
    seconds_to_start: float
    listening: list[str] = field(default_factory=list)


def _read_env() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            values[name.strip()] = value.strip()
    return values


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def listening_sockets(pid: int) -> list[str]:
    """``address:port`` of every TCP socket process ``pid`` listens on (``ss -ltnpH``)."""
    out = subprocess.run(
        ["ss", "-ltnpH"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    found = []
    for line in out.splitlines():
        if re.search(rf"\bpid={pid},", line):
            found.append(line.split()[3])
    return found


@contextmanager
def running_network(work: Path) -> Iterator[BlueskyNetwork]:
    """A fresh Bluesky network on 127.0.0.1, its logs and temporary files in ``work``."""
    if not ENV_FILE.exists() or not (HERE / "node_modules").is_dir():
        unavailable(f"{ENV_FILE.relative_to(REPO)} or .ci/bluesky/node_modules is missing")
    # Makes sure the PostgreSQL cluster runs (idempotent, about a second).
    setup = subprocess.run(
        ["bash", str(HERE / "setup.sh"), "postgres"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if setup.returncode != 0:
        unavailable(f"PostgreSQL did not start: {setup.stdout[-800:]}{setup.stderr[-800:]}")
    env_values = _read_env()
    node = env_values.get("NODE", "")
    if not Path(node).exists():
        unavailable(f"Node 22 is missing ({node!r})")

    log = work / "network.log"
    plc, pds, appview, ozone = _free_ports(4)
    env = {
        **os.environ,
        "DB_POSTGRES_URL": env_values["DB_POSTGRES_URL"],
        "DESK_BSKY_DB": f"desk_bsky_{os.getpid()}",  # dropped when the network stops
        "DESK_BSKY_PLC_PORT": str(plc),
        "DESK_BSKY_PDS_PORT": str(pds),
        "DESK_BSKY_APPVIEW_PORT": str(appview),
        "DESK_BSKY_OZONE_PORT": str(ozone),
        "TMPDIR": str(work),  # the PDS's data and blob folders go here, removed with it
        "NODE_OPTIONS": "--max-old-space-size=2048",
    }
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node, str(HERE / "launch.mjs")],
            cwd=HERE,
            env=env,
            stdin=subprocess.PIPE,  # closing it stops the network, should this process die
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        info = None
        while time.monotonic() - started < START_TIMEOUT:
            text = log.read_text(encoding="utf-8", errors="replace")
            line = next((x for x in text.splitlines() if x.startswith(READY)), None)
            if line:
                info = json.loads(line.removeprefix(READY))
                break
            if process.poll() is not None:
                unavailable(f"the network exited with {process.returncode}:\n{_tail(log)}")
            time.sleep(0.2)
        if info is None:
            unavailable(f"the network did not start within {START_TIMEOUT:.0f} s:\n{_tail(log)}")
        seconds = time.monotonic() - started
        listening = listening_sockets(process.pid)
        network = BlueskyNetwork(
            pds=f"http://127.0.0.1:{pds}",
            appview=f"http://127.0.0.1:{appview}",
            plc=f"http://127.0.0.1:{plc}",
            node=node,
            pid=process.pid,
            log=log,
            seconds_to_start=seconds,
            listening=listening,
        )
        yield network
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the network to close (stdin closed, then SIGTERM); kill its process group if not."""
    if process.stdin is not None:
        process.stdin.close()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the launcher's own group (start_new_session)
        process.wait(timeout=10)
