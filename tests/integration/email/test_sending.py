"""Replies by SMTP (an aiosmtpd sink) with Dovecot as the mailbox: the headers, exactly once when
the connection drops after DATA, and the collision guard with two desks (issue 17)."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.channels.connect import ConnectorPool
from desk.channels.pull import pull_service
from desk.errors import ActionRefused
from desk.vocabulary import ReplyStatus
from tests.helpers.clock import FakeClock
from tests.helpers.desks import open_test_desk
from tests.integration.email.mail import SECRET_ENV, channel_toml, email_desk, message
from tests.integration.email.servers import USER, Dovecot, Sink


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)


def _folder(dovecot: Dovecot, name: str) -> str:
    with dovecot.client() as conn:
        conn.create_folder(name)
    return name


async def _ingest(desk: Desk, dovecot: Dovecot, folder: str, *mails: bytes) -> list[int]:
    dovecot.append(folder, *mails)
    [report] = await pull_service(desk, environ=SECRET_ENV, sleep=_no_wait).apull()
    assert report.status == "ok", report.message
    return report.new_ids


def _in_sent(dovecot: Dovecot, message_id: str) -> int:
    with dovecot.client() as conn:
        conn.select_folder("Sent", readonly=True)
        return len(conn.search(["HEADER", "Message-ID", message_id]))


async def _run_outbox(desk: Desk) -> Any:
    pool = ConnectorPool(desk.config.channel)
    desk.outbox.connect = pool.connect
    desk.outbox.sleep = _no_wait
    try:
        return await desk.outbox.run_once()
    finally:
        await pool.aclose()


async def test_a_reply_goes_out_once_with_its_threading_headers(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    folder = _folder(dovecot, "Replies")
    desk, _ = email_desk(tmp_path, dovecot.port, folder, smtp_port=port, display_name="Mairie")
    parent = message(
        1,
        subject="Coupure d'eau rue Émile-Zola ?",
        message_id="<p2@example.org>",
        in_reply_to="<p1@example.org>",
        references="<p0@example.org> <p1@example.org>",
        headers={"Reply-To": "Jeanne <jeanne.reponses@example.org>"},
    )
    [mid] = await _ingest(desk, dovecot, folder, parent)
    reply = desk.replies.send(mid, "Bonjour, l'eau revient à 18 h.")
    report = await _run_outbox(desk)
    assert report.sent == [reply.id], report.errors

    assert len(smtp.messages) == 1
    mail_from, rcpt, data = smtp.messages[0]
    sent = message_from_bytes(data, policy=policy.default)
    assert mail_from == "desk@example.test"
    assert rcpt == ["jeanne.reponses@example.org"]
    assert sent["In-Reply-To"] == "<p2@example.org>"
    assert sent["References"].split() == [
        "<p0@example.org>",
        "<p1@example.org>",
        "<p2@example.org>",
    ]
    assert sent["Subject"] == "Re: Coupure d'eau rue Émile-Zola ?"
    assert sent["Auto-Submitted"] == "no"
    assert sent["From"] == "Mairie <desk@example.test>"
    message_id = sent["Message-ID"]
    assert message_id.startswith("<desk.")
    assert message_id.endswith("@example.test>")
    body = sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "l'eau revient à 18 h." in body
    assert "—AB" in body
    stored = desk.queries.detail(mid).replies[-1]
    assert stored.status == ReplyStatus.SENT
    assert stored.remote_id == message_id
    assert _in_sent(dovecot, message_id) == 1  # exactly one copy filed

    again = await _run_outbox(desk)
    assert not again.sent
    assert len(smtp.messages) == 1


async def test_a_connection_dropped_after_data_is_never_resent(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    smtp.drop_after_data = True
    folder = _folder(dovecot, "Dropped")
    desk, _ = email_desk(tmp_path, dovecot.port, folder, smtp_port=port)
    [mid] = await _ingest(desk, dovecot, folder, message(1, message_id="<d1@example.org>"))
    reply = desk.replies.send(mid, "Merci pour votre message.")
    report = await _run_outbox(desk)
    assert report.unknown == [reply.id]  # not in Sent: nobody can tell, a supervisor decides
    assert len(smtp.messages) == 1
    for _ in range(2):  # later passes leave it alone
        later = await _run_outbox(desk)
        assert not later.sent
        assert not later.requeued
    assert len(smtp.messages) == 1
    view = desk.queries.detail(mid).replies[-1]
    assert view.status == ReplyStatus.UNKNOWN
    assert "may have been accepted" in (view.error or "")


async def test_a_drop_after_data_is_settled_by_the_copy_the_provider_filed(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    folder = _folder(dovecot, "Filed")
    # A provider that files its own copy of what it accepted (Gmail, Microsoft 365).
    desk, _ = email_desk(tmp_path, dovecot.port, folder, smtp_port=port, sent_copy=False)
    [mid] = await _ingest(desk, dovecot, folder, message(1, message_id="<f1@example.org>"))

    async def files_then_drops(server: Any, session: Any, envelope: Any) -> str:
        await asyncio.to_thread(dovecot.append, "Sent", bytes(envelope.original_content))
        smtp.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        server.transport.close()
        return "250 never heard"

    smtp.handle_DATA = files_then_drops  # type: ignore[method-assign]
    reply = desk.replies.send(mid, "Merci.")
    report = await _run_outbox(desk)
    assert report.sent == [reply.id]
    assert len(smtp.messages) == 1
    view = desk.queries.detail(mid).replies[-1]
    assert view.status == ReplyStatus.SENT
    assert _in_sent(dovecot, view.remote_id or "") == 1  # the provider's copy, none from desk


async def test_two_desks_answering_one_mail_send_one_reply(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    folder = _folder(dovecot, "Collision")
    clock = FakeClock()
    amelie, settings = email_desk(tmp_path, dovecot.port, folder, smtp_port=port, clock=clock)
    chloe = open_test_desk(settings, "chloe", clock=clock)
    try:
        [mid] = await _ingest(amelie, dovecot, folder, message(1, message_id="<c1@example.org>"))
        first = amelie.replies.send(mid, "Réponse d'Amélie.")
        with pytest.raises(ActionRefused):
            chloe.replies.send(mid, "Réponse de Chloé.")
        report = await _run_outbox(chloe)  # whichever desk runs the outbox
        assert report.sent == [first.id]
        assert len(smtp.messages) == 1
        assert "Amélie" in smtp.messages[0][2].decode()
    finally:
        chloe.close()


async def test_bcc_self_settles_a_drop_and_its_copy_is_never_a_mention(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    folder = _folder(dovecot, "Copies")
    # No Sent folder to trust: the mailbox receives its own copy of each reply instead.
    desk, _ = email_desk(
        tmp_path, dovecot.port, folder, smtp_port=port, sent_copy=False, bcc_self=True
    )
    [mid] = await _ingest(desk, dovecot, folder, message(1, message_id="<b1@example.org>"))

    async def delivers_then_drops(server: Any, session: Any, envelope: Any) -> str:
        if USER in envelope.rcpt_tos:  # the mailbox's copy lands in the watched folder
            await asyncio.to_thread(dovecot.append, folder, bytes(envelope.original_content))
        smtp.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        server.transport.close()
        return "250 never heard"

    smtp.handle_DATA = delivers_then_drops  # type: ignore[method-assign]
    reply = desk.replies.send(mid, "Merci, c'est noté.")
    report = await _run_outbox(desk)
    assert report.sent == [reply.id]  # found in the watched folder: settled, not resent
    [(_, recipients, data)] = smtp.messages
    assert USER in recipients
    assert b"Bcc" not in data.split(b"\r\n\r\n", 1)[0]  # the envelope only
    [again] = await pull_service(desk, environ=SECRET_ENV, sleep=_no_wait).apull()
    assert again.new_ids == []  # our own copy is not a citizen's mail
    assert again.status == "ok"


async def test_without_sent_copy_desk_files_no_copy_of_its_own(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    folder = _folder(dovecot, "NoCopy")
    # The provider files its own copy (Gmail, Microsoft 365): a second one from desk would double it.
    desk, _ = email_desk(tmp_path, dovecot.port, folder, smtp_port=port, sent_copy=False)
    [mid] = await _ingest(desk, dovecot, folder, message(1, message_id="<n1@example.org>"))
    reply = desk.replies.send(mid, "Merci, bien reçu.")
    report = await _run_outbox(desk)
    assert report.sent == [reply.id], report.errors
    assert len(smtp.messages) == 1
    view = desk.queries.detail(mid).replies[-1]
    assert (view.remote_id or "").startswith("<desk.")
    assert _in_sent(dovecot, view.remote_id or "") == 0


async def test_a_from_changed_in_desk_toml_after_queueing_changes_nothing_that_goes_out(
    dovecot: Dovecot, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    smtp, port = sink
    folder = _folder(dovecot, "Frozen")
    clock = FakeClock()
    before, settings = email_desk(
        tmp_path, dovecot.port, folder, smtp_port=port, clock=clock, display_name="Mairie"
    )
    [mid] = await _ingest(before, dovecot, folder, message(1, message_id="<z1@example.org>"))
    reply = before.replies.send(mid, "Merci, c'est noté.")  # queued: its sender is frozen
    before.close()
    settings.config.write_text(  # type: ignore[union-attr]
        channel_toml(
            dovecot.port,
            folder,
            smtp_port=port,
            address="accueil@nouvelle-ville.example",
            display_name="Accueil",
        ),
        encoding="utf-8",
    )
    desk = open_test_desk(settings, "amelie", clock=clock)
    try:
        assert desk.config.channel[0].display_name == "Accueil"
        report = await _run_outbox(desk)
        assert report.sent == [reply.id], report.errors
        [(mail_from, _, data)] = smtp.messages
        sent = message_from_bytes(data, policy=policy.default)
        assert sent["From"] == f"Mairie <{USER}>"
        assert mail_from == USER
        message_id = sent["Message-ID"]
        assert message_id.endswith("@example.test>")
        assert desk.queries.detail(mid).replies[-1].remote_id == message_id
        assert _in_sent(dovecot, message_id) == 1
    finally:
        desk.close()
