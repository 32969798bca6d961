"""The sender of an e-mail reply is frozen when the reply is queued (approved, or sent without
approval): a desk.toml change afterwards changes neither the From nor the Message-ID that goes
out, nor the Message-ID the outbox looks for in Sent when it reconciles (issue 17)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.config.channels import ChannelConfig
from desk.db import transaction
from desk.db.tables import Reply
from desk.platforms.email.client import EmailConnector
from desk.platforms.errors import ChannelError
from desk.platforms.parsed import ParseResult
from tests.helpers.desks import DESK_TOML, mention

CHANNEL = """
[approval]
channels = ["contact"]

[[channel]]
name = "contact"
platform = "email"
host = "imap.ville.example"
account = "{address}"
address = "{address}"
display_name = "{name}"
secret = "env:DESK_MAIL_PASSWORD"
"""
OLD = {"address": "contact@ville.example", "name": "Mairie de Test"}
NEW = {"address": "accueil@nouvelle-ville.example", "name": "Accueil"}


def _write(config_file: Path, sender: dict[str, str]) -> None:
    config_file.write_text(DESK_TOML + CHANNEL.format(**sender), encoding="utf-8")


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "desk.toml"
    _write(path, OLD)
    return path


class Mailbox:
    """What the SMTP server received and what the Sent folder holds (raw messages)."""

    def __init__(self) -> None:
        self.smtp: list[bytes] = []
        self.sent: list[bytes] = []
        self.searched: list[str] = []
        self.envelope: list[str] = []  # MAIL FROM
        self.drop_after_data = False

    def connect(self, desk: Desk) -> Callable[[str], Any]:
        box = self

        class _Connector(EmailConnector):
            def _submit(self, data: bytes, to: str, sender: str) -> None:
                box.smtp.append(data)
                box.envelope.append(sender)
                if box.drop_after_data:
                    raise ChannelError("connection lost after DATA")

            def _file_copy(self, data: bytes) -> None:
                box.sent.append(data)

            def _search_id(self, folder: str, message_id: str) -> bool:
                box.searched.append(message_id)
                return any(message_from_bytes(m)["Message-ID"] == message_id for m in box.sent)

        @contextlib.asynccontextmanager
        async def opened(key: str) -> AsyncIterator[EmailConnector]:
            [channel] = [c for c in desk.config.channel if c.key == key]
            yield _Connector(channel, None, None)

        return opened


def _approved(make_desk: Callable[..., Desk]) -> tuple[int, int]:
    """A mail to the contact channel, answered by bruno and approved by amelie: (mention, reply)."""
    bruno = make_desk("bruno")
    parent = mention(
        "<p1@example.org>",
        "Quand revient l'eau ?",
        platform="email",
        author_handle="jeanne@example.org",
        raw={"message_id": "<p1@example.org>", "from": "jeanne@example.org", "subject": "Eau"},
    )
    report = bruno.ingest.ingest_parsed(
        ParseResult(platform="email", items=[parent]),
        "email:contact",
        channel_name="contact",
        live=True,
    )
    (mid,) = report.new_ids
    waiting = bruno.replies.send(mid, "L'eau revient à 18 h.")
    assert waiting.status == "pending_approval"
    approved = make_desk("amelie").approvals.approve(waiting.id)
    assert approved.status == "queued"
    return mid, waiting.id


def _row(desk: Desk, reply_id: int) -> Reply:
    with desk.inbox.write_factory() as session:
        row = session.get(Reply, reply_id)
        assert row is not None
        return row


async def _no_wait(_seconds: float) -> None:
    return None


async def _outbox(desk: Desk, box: Mailbox) -> Any:
    desk.outbox.connect = box.connect(desk)
    desk.outbox.sleep = _no_wait
    desk.clock.advance(60)  # type: ignore[attr-defined]  # the undo window is over
    return await desk.outbox.run_once()


def test_approving_an_email_reply_freezes_its_sender(make_desk: Callable[..., Desk]) -> None:
    mid, rid = _approved(make_desk)
    desk = make_desk("amelie")
    assert json.loads(_row(desk, rid).sender or "") == OLD
    queued = [e for e in desk.queries.detail(mid).history if e.action == "reply.queued"]
    assert queued[-1].data["sender"] == OLD  # the chain records what was frozen
    assert desk.queries.verify_audit().ok


async def test_a_sender_changed_after_approval_does_not_change_the_mail(
    make_desk: Callable[..., Desk], config_file: Path
) -> None:
    mid, rid = _approved(make_desk)
    _write(config_file, NEW)
    desk = make_desk("amelie")  # desk.toml read again: the channel now says NEW
    assert desk.config.channel[0].address == NEW["address"]
    box = Mailbox()
    report = await _outbox(desk, box)
    assert report.sent == [rid], report.errors
    [data] = box.smtp
    sent = message_from_bytes(data, policy=policy.default)
    assert sent["From"] == "Mairie de Test <contact@ville.example>"
    assert sent["Message-ID"].endswith("@ville.example>")
    assert box.envelope == [OLD["address"]]
    assert desk.queries.detail(mid).replies[-1].remote_id == sent["Message-ID"]


async def test_reconciling_after_an_address_change_finds_the_frozen_message_id(
    make_desk: Callable[..., Desk], config_file: Path
) -> None:
    mid, rid = _approved(make_desk)
    box = Mailbox()
    first = make_desk("amelie")
    box.drop_after_data = True  # the provider files its copy late: not there when desk looks
    report = await _outbox(first, box)
    assert report.unknown == [rid]
    box.sent = [box.smtp[0]]  # ... then the copy is filed
    _write(config_file, NEW)
    desk = make_desk("amelie")
    with transaction(desk.inbox.write_factory) as session:  # a supervisor asks again later:
        row = session.get(Reply, rid)  # as a dead process would have left it
        assert row is not None
        row.status, row.delivery_owner = "sending", "ghost-host-never-seen:1"
        row.delivery_started_at = desk.inbox.clock() - timedelta(hours=1)
        session.add(row)
    box.drop_after_data = False
    report = await _outbox(desk, box)
    assert report.reconciled == [rid]
    assert report.sent == [rid]
    assert len(box.smtp) == 1  # found, never resent
    frozen = message_from_bytes(box.smtp[0])["Message-ID"]
    assert box.searched[-1] == frozen
    assert frozen.endswith("@ville.example>")
    assert desk.queries.detail(mid).replies[-1].remote_id == frozen


async def test_a_reply_queued_before_the_freeze_follows_the_config(
    make_desk: Callable[..., Desk], config_file: Path
) -> None:
    """Rows written before migration 0024 have no sender: the channel's settings, as before."""
    mid, rid = _approved(make_desk)
    desk = make_desk("amelie")
    with transaction(desk.inbox.write_factory) as session:
        row = session.get(Reply, rid)
        assert row is not None
        row.sender = None
        session.add(row)
    _write(config_file, NEW)
    desk = make_desk("amelie")
    box = Mailbox()
    report = await _outbox(desk, box)
    assert report.sent == [rid], report.errors
    sent = message_from_bytes(box.smtp[0], policy=policy.default)
    assert sent["From"] == "Accueil <accueil@nouvelle-ville.example>"
    assert sent["Message-ID"].endswith("@nouvelle-ville.example>")


def test_only_platforms_that_need_one_freeze_a_sender() -> None:
    from desk.platforms.registry import PLATFORMS

    mail = ChannelConfig(
        name="c", platform="email", host="imap.example.org", account="a@example.org"
    )
    assert PLATFORMS["email"].frozen_sender(mail) == {"address": "a@example.org", "name": ""}
    toot = ChannelConfig(name="v", platform="mastodon", url="https://m.example")
    assert PLATFORMS["mastodon"].frozen_sender(toot) is None
