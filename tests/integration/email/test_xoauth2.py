"""XOAUTH2 (Microsoft 365 has removed basic auth for IMAP) against a real Dovecot: its oauth2
passdb asks a local introspection endpoint about each token; replies go out through an SMTP sink
that asks for XOAUTH2 too. The right token reads and sends mail; a refused one says what, which
channel and what to do, and the token appears in no message and no log line (issue 17)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desk.bootstrap import Desk
from desk.channels.connect import ConnectorPool
from desk.channels.pull import pull_service
from desk.i18n import Catalog
from desk.vocabulary import ReplyStatus
from tests.integration.email.mail import email_desk, message
from tests.integration.email.servers import (
    USER,
    Dovecot,
    OAuthSink,
    Tokens,
    introspection,
    oauth_sink,
    running_dovecot,
)

TOKEN = "EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z/VbCPEz0AAWRGo"  # the provider's valid access token
WRONG = "Zq7-wX9"  # 7 characters: below desk's log redaction length, so a leak would show as is
TOKEN_ENV = "DESK_MAIL_TOKEN"


@pytest.fixture(scope="module")
def tokens() -> Tokens:
    return Tokens(valid=TOKEN)


@pytest.fixture(scope="module")
def dovecot(tokens: Tokens) -> Iterator[Dovecot]:
    """This module's Dovecot: passwords as elsewhere, and XOAUTH2 checked by introspection."""
    with introspection(tokens) as url, running_dovecot(oauth_url=url) as server:
        yield server


@pytest.fixture
def sink(tokens: Tokens) -> Iterator[tuple[OAuthSink, int]]:
    with oauth_sink(tokens) as opened:
        yield opened


def _desk(tmp: Path, dovecot: Dovecot, folder: str, smtp_port: int | None = None) -> Desk:
    with dovecot.client() as conn:
        conn.create_folder(folder)
    desk, _ = email_desk(
        tmp,
        dovecot.port,
        folder,
        smtp_port=smtp_port,
        auth="xoauth2",
        secret=f"env:{TOKEN_ENV}",
    )
    return desk


async def _no_wait(_seconds: float) -> None:
    return None


def _leaks(text: str) -> list[str]:
    """Which forms of the wrong token (as is, or inside the base64 SASL string) ``text`` holds."""
    sasl = base64.b64encode(f"user={USER}\x01auth=Bearer {WRONG}\x01\x01".encode()).decode()
    return [form for form in (WRONG, sasl) if form in text]


async def test_the_right_token_logs_in_by_xoauth2_and_reads_the_mail(
    dovecot: Dovecot, tokens: Tokens, tmp_path: Path
) -> None:
    desk = _desk(tmp_path, dovecot, "Oauth")
    dovecot.append("Oauth", message(1), message(2))
    pool = ConnectorPool(desk.config.channel, environ={TOKEN_ENV: TOKEN})
    try:
        page = await pool.get("email:contact").fetch(None)
    finally:
        await pool.aclose()
    assert [m.remote_id for m in page.result.items] == [
        "<msg-1@example.org>",
        "<msg-2@example.org>",
    ]
    assert TOKEN in tokens.asked  # Dovecot asked the provider about desk's token
    log = (dovecot.folder / "dovecot.log").read_text(errors="replace")
    assert f"user=<{USER}>, method=XOAUTH2" in log  # not a password login


async def test_a_refused_token_says_what_to_do_and_never_shows_the_token(
    dovecot: Dovecot, tokens: Tokens, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # imapclient logs every command at DEBUG
    desk = _desk(tmp_path, dovecot, "Refused")
    service = pull_service(desk, environ={TOKEN_ENV: WRONG}, sleep=_no_wait)
    [report] = await service.apull()
    assert WRONG in tokens.asked  # it reached the provider, which said no
    assert report.status == "failing"  # retrying cannot help: no retry storm on the server
    message = report.message or ""
    server = f"127.0.0.1:{dovecot.port}"
    assert message.startswith(f"email:contact: {server} refused the OAuth2 token of {USER}")
    assert "(IMAP XOAUTH2, 401)" in message  # the status of Dovecot's JSON error
    assert f"Put a new token where env:{TOKEN_ENV} points" in message
    assert "desk pull --channel email:contact --force" in message
    french = report.shown_message(Catalog("fr").t) or ""
    assert f"{server} a refusé le jeton OAuth2 de {USER} (IMAP XOAUTH2, 401)" in french
    [status] = desk.pull.status()
    shown = [message, french, str(report.to_json()), status.last_error or "", caplog.text]
    assert [_leaks(text) for text in shown] == [[]] * len(shown)
    assert "auth=Bearer" not in caplog.text


async def test_replies_go_out_by_smtp_xoauth2_and_a_refused_token_sends_nothing(
    dovecot: Dovecot,
    sink: tuple[OAuthSink, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp, port = sink
    desk = _desk(tmp_path, dovecot, "Replies", smtp_port=port)
    dovecot.append("Replies", message(1), message(2))
    pulled = pull_service(desk, environ={TOKEN_ENV: TOKEN}, sleep=_no_wait)
    [report] = await pulled.apull()
    first, second = report.new_ids

    async def run_outbox(token: str) -> Any:
        monkeypatch.setenv(TOKEN_ENV, token)
        pool = ConnectorPool(desk.config.channel)
        desk.outbox.connect = pool.connect
        desk.outbox.sleep = _no_wait
        try:
            return await desk.outbox.run_once()
        finally:
            await pool.aclose()

    good = desk.replies.send(first, "Bonjour, c'est noté.")
    assert (await run_outbox(TOKEN)).sent == [good.id]
    assert len(smtp.messages) == 1

    refused = desk.replies.send(second, "Bonjour, merci.")
    outcome = await run_outbox(WRONG)
    assert outcome.failed == [refused.id]  # certainly not sent: the server said no first
    assert len(smtp.messages) == 1
    view = desk.queries.detail(second).replies[-1]
    assert view.status == ReplyStatus.FAILED
    error = view.error or ""
    assert f"email:contact: 127.0.0.1:{port} refused the OAuth2 token of {USER}" in error
    assert "(SMTP XOAUTH2, 401); the reply was not sent" in error
    assert f"Put a new token where env:{TOKEN_ENV} points" in error
    assert _leaks(error) == []
