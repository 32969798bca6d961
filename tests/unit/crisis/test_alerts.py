"""Out-of-hours alerts: the on-call person is told of a surge by e-mail (an aiosmtpd sink on
127.0.0.1) and by an ntfy-compatible push (http.server in a thread), the next person when nobody
acknowledges in time; every alert and acknowledgement is in the audit trail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.crisis.alerts import Sent, chain, next_person
from desk.db.store import AuditFilter
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import DESK_TOML, add, mention, write_config
from tests.integration.email.servers import Sink, smtp_sink

NIGHT = datetime(2026, 11, 14, 3, 0, tzinfo=UTC)  # a Saturday, 3 a.m.: nobody at the desk


class _Push(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Push.received.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[Sink, int, int]]:
    _Push.received = []
    push = HTTPServer(("127.0.0.1", 0), _Push)
    thread = threading.Thread(target=push.serve_forever, daemon=True)
    thread.start()
    try:
        with smtp_sink() as (sink, smtp_port):
            yield sink, smtp_port, push.server_address[1]
    finally:
        push.shutdown()
        push.server_close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NIGHT)


@pytest.fixture
def config_file(tmp_path: Path, servers: tuple[Sink, int, int]) -> Path:
    _, smtp_port, push_port = servers
    text = DESK_TOML.replace(
        'business = { mon = "00:00-24:00", tue = "00:00-24:00", wed = "00:00-24:00", '
        'thu = "00:00-24:00", fri = "00:00-24:00", sat = "00:00-24:00", sun = "00:00-24:00" }',
        'business = { mon = "09:00-17:00", tue = "09:00-17:00", wed = "09:00-17:00", '
        'thu = "09:00-17:00", fri = "09:00-17:00" }',
    )
    assert text != DESK_TOML
    text += f"""
[oncall]
rotation = ["bruno", "chloe"]
start = 2026-11-09

[oncall.alerts]
smtp = "127.0.0.1:{smtp_port}"
sender = "desk@ville.example"
escalate_after_minutes = 15
contacts = {{ bruno = ["mailto:bruno@ville.example", "http://127.0.0.1:{push_port}/desk-bruno"], chloe = ["mailto:chloe@ville.example"] }}
"""
    settings = write_config(tmp_path, text)
    assert settings.config is not None
    return settings.config


def test_chain_and_escalation_are_pure() -> None:
    people = ["bruno", "chloe", "amelie"]
    now = NIGHT
    assert (
        next_person(people, [], acknowledged=False, now=now, escalate_after=timedelta(minutes=15))
        == "bruno"
    )
    sent = [Sent("bruno", now - timedelta(minutes=10))]
    assert (
        next_person(people, sent, acknowledged=False, now=now, escalate_after=timedelta(minutes=15))
        is None
    )
    sent = [Sent("bruno", now - timedelta(minutes=16))]
    assert (
        next_person(people, sent, acknowledged=False, now=now, escalate_after=timedelta(minutes=15))
        == "chloe"
    )
    assert (
        next_person(people, sent, acknowledged=True, now=now, escalate_after=timedelta(minutes=15))
        is None
    )


def test_a_surge_at_night_alerts_the_on_call_person_then_the_next(
    cli: Cli,
    desk: Desk,
    clock: FakeClock,
    servers: tuple[Sink, int, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    sink = servers[0]
    assert chain(desk.config, "bruno") == ["bruno", "chloe", "amelie"]
    start = NIGHT - timedelta(minutes=14)
    add(
        desk,
        *[
            mention(
                f"n{i}",
                f"Coupure d'eau rue Principale? {i}",
                created_at=start + timedelta(seconds=20 * i),
            )
            for i in range(40)
        ],
    )
    assert cli("crisis", "alert", "--json") == 0
    first = json.loads(capsys.readouterr().out)
    assert first
    assert {a["to"] for a in first} == {"bruno"}
    key = next(a["key"] for a in first if a["key"].startswith("all@"))
    assert len(sink.messages) == len(first)
    mail = message_from_bytes(sink.messages[0][2])
    assert sink.messages[0][1] == ["bruno@ville.example"]
    assert str(make_header(decode_header(mail["Subject"]))).startswith("desk: surge on ")
    path, headers, body = _Push.received[0]
    assert path == "/desk-bruno"
    assert headers["Priority"] == "high"
    assert "desk crisis ack" in body.decode()

    assert cli("crisis", "alert", "--json") == 0  # told a minute ago: nothing yet
    assert json.loads(capsys.readouterr().out) == []

    clock.advance(16 * 60)  # nobody acknowledged in 15 minutes: the next person
    assert cli("crisis", "alert", "--json") == 0
    second = json.loads(capsys.readouterr().out)
    assert {(a["to"], a["level"]) for a in second} == {("chloe", 2)}
    assert sink.messages[-1][1] == ["chloe@ville.example"]

    assert cli("crisis", "ack", key, as_name="chloe") == 0
    assert "acknowledged by chloe" in capsys.readouterr().out
    clock.advance(16 * 60)
    assert cli("crisis", "alert", "--json") == 0
    assert key not in {a["key"] for a in json.loads(capsys.readouterr().out)}

    events = desk.queries.audit_log(flt=AuditFilter(actions=("crisis.*",)), limit=50)
    assert {e.action for e in events} == {"crisis.alert_sent", "crisis.alert_acknowledged"}
    ack = next(e for e in events if e.action == "crisis.alert_acknowledged")
    assert (ack.actor, ack.data["key"]) == ("chloe", key)
    assert cli("audit", "verify") == 0
    assert cli("crisis", "ack", "nothing@2026", as_name="chloe") != 0


def test_no_alert_in_business_hours(
    cli: Cli, desk: Desk, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.now = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)
    start = clock.now - timedelta(minutes=14)
    add(
        desk,
        *[
            mention(f"d{i}", f"Coupure {i}", created_at=start + timedelta(seconds=20 * i))
            for i in range(40)
        ],
    )
    assert cli("crisis", "alert") == 0
    assert "No alert to send" in capsys.readouterr().out
