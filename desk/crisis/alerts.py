"""Out-of-hours alerts: a surge outside business hours reaches the on-call person out of band,
and the next person when nobody acknowledges in time.

Who, in order (``chain``): the person on call (desk.toml ``[oncall]``: turns, then the rotation),
then the rest of the rotation after them, then the active supervisors. ``next_person`` (pure)
says who to alert now from the alerts already sent for a surge and whether it was acknowledged.
Delivery (``deliver``): each contact of that person in ``[oncall.alerts] contacts``:
``mailto:ADDRESS`` by SMTP, ``http(s)://HOST/TOPIC`` by an ntfy-compatible push (a POST whose
body is the message, with ``Title``, ``Priority`` and ``Tags`` headers, and a bearer token when
``push_token`` is set). The state lives in the audit trail itself (``crisis.alert_sent``,
``crisis.alert_acknowledged``, each with the surge's key ``topic@start``): every desk sees the
same, and every alert and acknowledgement is recorded.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage

import httpx

from desk.config import DeskConfig
from desk.crisis.surge import SurgeView

TIMEOUT = 10.0


def surge_key(surge: SurgeView) -> str:
    """The name every desk gives one surge: ``topic@start``."""
    return f"{surge.topic}@{surge.start.isoformat()}"


def chain(config: DeskConfig, on_call: str | None) -> list[str]:
    """Who to alert, in order: the on-call person, the rest of the rotation after them, then the
    active supervisors (each once, active staff only)."""
    rotation = list(config.oncall.rotation)
    order: list[str] = []
    if on_call:
        order.append(on_call)
        if on_call in rotation:
            at = rotation.index(on_call)
            rotation = rotation[at + 1 :] + rotation[:at]
    order += rotation
    order += [s.name for s in config.staff if s.role in ("supervisor", "admin")]
    active = {s.name for s in config.staff if s.active}
    return [name for i, name in enumerate(order) if name in active and name not in order[:i]]


@dataclass(frozen=True, slots=True)
class Sent:
    """One alert already sent for a surge: to whom, when."""

    person: str
    at: datetime


def next_person(
    people: Sequence[str],
    sent: Sequence[Sent],
    *,
    acknowledged: bool,
    now: datetime,
    escalate_after: timedelta,
) -> str | None:
    """Who to alert now about one surge: the first person if nobody was; the next one when the
    last alert is ``escalate_after`` old and nobody acknowledged; else nobody."""
    if acknowledged:
        return None
    if not sent:
        return people[0] if people else None
    last = max(sent, key=lambda s: s.at)
    if now - last.at < escalate_after:
        return None
    told = {s.person for s in sent}
    return next((p for p in people if p not in told), None)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one contact: ``ok`` or the error said in a few words."""

    contact: str
    ok: bool
    error: str = ""


def deliver(
    contacts: Sequence[str],
    subject: str,
    body: str,
    *,
    smtp: str,
    sender: str,
    push_token: str | None = None,
) -> list[Delivery]:
    """Send ``subject``/``body`` to each contact; a failure is recorded, never raised."""
    done: list[Delivery] = []
    for contact in contacts:
        try:
            if contact.startswith("mailto:"):
                _mail(contact.removeprefix("mailto:"), subject, body, smtp, sender)
            else:
                _push(contact, subject, body, push_token)
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as exc:
            done.append(Delivery(contact, False, f"{type(exc).__name__}: {exc}"[:200]))
        else:
            done.append(Delivery(contact, True))
    return done


def _mail(address: str, subject: str, body: str, smtp: str, sender: str) -> None:
    host, _, port = smtp.rpartition(":")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(host or smtp, int(port or 25), timeout=TIMEOUT) as client:
        client.send_message(message)


def _push(url: str, subject: str, body: str, token: str | None) -> None:
    # ASCII as is; else RFC 2047 encoded words (ntfy decodes them), kept on one header line
    title = subject if subject.isascii() else Header(subject, "utf-8").encode(linesep=" ")
    headers = {"Title": title, "Priority": "high", "Tags": "warning"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.post(url, content=body.encode("utf-8"), headers=headers, timeout=TIMEOUT)
    response.raise_for_status()
