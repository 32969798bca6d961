"""Building test messages (RFC 5322 bytes) and a desk with an e-mail channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from desk.bootstrap import Desk
from desk.config import Settings
from tests.helpers.clock import FakeClock
from tests.helpers.desks import DESK_TOML, open_test_desk, write_config
from tests.integration.email.servers import USER

SECRET_ENV = {"DESK_MAIL_PASSWORD": "secret"}
START = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


def message(
    n: int,
    *,
    subject: str | None = None,
    sender: str = "Jeanne Citoyenne <jeanne@example.org>",
    body: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A small plain-text mail numbered ``n``."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = USER
    msg["Subject"] = subject or f"Question {n}"
    msg["Date"] = format_datetime(START + timedelta(minutes=n))
    msg["Message-ID"] = message_id or f"<msg-{n}@example.org>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body or f"Bonjour, voici la question {n}.")
    return msg.as_bytes()


def channel_toml(
    port: int, folder: str | list[str], *, smtp_port: int | None = None, **extra: object
) -> str:
    folders = ", ".join(f'"{f}"' for f in ([folder] if isinstance(folder, str) else folder))
    lines = [
        "[[channel]]",
        'name = "contact"',
        'platform = "email"',
        'host = "127.0.0.1"',
        f"port = {port}",
        'tls = "plain"',
        f'account = "{USER}"',
        f'secret = "{extra.pop("secret", "env:DESK_MAIL_PASSWORD")}"',
        f"folders = [{folders}]",
        "interval_seconds = 30",
        "undo_seconds = 0",
        "timeout_seconds = 5",
        'smtp_tls = "plain"',
        f"smtp_port = {smtp_port or 1}",
    ]
    for key, value in extra.items():
        lines.append(
            f"{key} = {value!r}".replace("'", '"').replace("True", "true").replace("False", "false")
        )
    return DESK_TOML + "\n" + "\n".join(lines) + "\n"


def email_desk(
    tmp: Path,
    port: int,
    folder: str | list[str],
    *,
    smtp_port: int | None = None,
    as_name: str = "amelie",
    clock: FakeClock | None = None,
    **extra: object,
) -> tuple[Desk, Settings]:
    settings = write_config(tmp, channel_toml(port, folder, smtp_port=smtp_port, **extra))
    return open_test_desk(settings, as_name, clock=clock or FakeClock()), settings
