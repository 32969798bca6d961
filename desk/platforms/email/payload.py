"""One e-mail (RFC 5322 bytes) turned into a ``ParsedMention``, whatever the sender made of it.

Parsing uses the standard library's ``email`` package with ``policy.default`` and never raises for
a bad message: what can be read is kept and every problem becomes a note in ``raw["notes"]``
(a code and its values, worded in the reader's language where the mail is shown: ``note``), so a
malformed message still reaches the queue.

- Size caps: the message (``max_bytes``, the channel's ``max_message_bytes``), each header value
  (``MAX_HEADER_CHARS``), the parts walked (``MAX_PARTS``), the attachments listed
  (``MAX_ATTACHMENTS``) and the text (``desk.platforms.html.MAX_TEXT_CHARS``). A mail declaring
  more than ``MAX_NESTED`` multipart or message parts (``too_nested``: one scan of the bytes) is
  read as its header only, before the parser spends seconds on thousands of nested parts.
- The text: ``text/plain`` preferred; HTML goes through desk's one HTML-to-text path
  (``desk.platforms.html.html_to_text``: the stdlib parser, nothing fetched or run). Control
  characters and escape sequences are kept in the record; ``desk.text.safe`` cleans them on the
  way to the screen, as for every platform.
- A bad or unknown charset is decoded with replacement characters (and a note).
- Attachments are listed (name, type, size), never opened, never saved.
- Quoted earlier text is cut for display (``quotes.strip_quoted``); the whole body stays in
  ``raw["body"]`` as the record.
- Automatic mail (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk|list|junk``, ``X-Loop``,
  mailing lists, an empty envelope sender ``Return-Path: <>``) gets ``kind = "automatic"`` and
  ``raw["automatic"]`` says why (a code of the catalog section ``automatic_mail`` and its
  values): desk never answers it by itself.
- Threading: ``remote_id`` is the Message-ID; ``in_reply_to_remote_id`` the parent's
  (In-Reply-To, else the last References entry); ``thread_root_remote_id`` the first References
  entry — the same columns the conversation view already follows for every platform. A mail
  without a Message-ID gets a stable one derived from its Date, From, Subject and body, so the
  same mail read twice (after a UIDVALIDITY change) is still the same mention.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from desk.platforms.email.quotes import strip_quoted
from desk.platforms.fields import EARLIEST, FUTURE_SLACK, ItemProblem, language_code
from desk.platforms.html import MAX_TEXT_CHARS, cap_text, html_to_text
from desk.platforms.parsed import ParsedMention, ParseResult

PLATFORM = "email"
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_HEADER_CHARS = 2_000
MAX_REFERENCES = 50
MAX_REFERENCES_CHARS = 100_000
MAX_PARTS = 500
MAX_ATTACHMENTS = 50
MAX_NOTES = 20
MAX_NESTED = 100
"""Multipart and message/* declarations a mail may hold before only its header is read: a real
mail has a handful; thousands nested cost the parser seconds (``too_nested``)."""
MAX_ID_CHARS = 998  # RFC 5322's line length: a longer "Message-ID" is not one
_MSGID = re.compile(r"<([^<>\s]{1,996})>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
AUTO_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_NESTING = re.compile(rb"^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/", re.I | re.M)

Notes = list[dict[str, Any]]
"""Import notes as stored in ``raw["notes"]``: ``{"code": ..., "args": {...}}`` objects, worded
in the reader's language where a mention is shown (``desk.import_notes``, catalog section
``import_note``); the platform writes no sentence of its own."""


def parse(data: bytes, source: str) -> ParseResult:
    """A saved message (``.eml`` bytes) as a one-item ParseResult (``Platform.parse``)."""
    result = ParseResult(platform=PLATFORM)
    try:
        result.items.append(parse_message(data, source=source))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop an import
        result.errors.append(ItemProblem("unreadable_message", kind=type(exc).__name__).error(0))
    return result


def parse_message(
    data: bytes,
    *,
    source: str = "",
    folder: str | None = None,
    uid: int | None = None,
    received: datetime | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
    size: int | None = None,
) -> ParsedMention:
    """One message as a mention; never raises for what the sender wrote (see the module doc).

    ``size``: the server's RFC822.SIZE when only the header was fetched (too large to read).
    """
    notes: Notes = []
    whole = size if size is not None else len(data)
    if len(data) > max_bytes:
        note(notes, "message_cut", size=len(data), limit=max_bytes)
        data = data[:max_bytes]
    elif size is not None and size > len(data):
        note(notes, "header_only", size=size)
    if too_nested(data):  # checked first: the parser would spend seconds before giving up
        note(notes, "too_nested", limit=MAX_NESTED)
        msg = _headers_only(data)
    else:
        try:
            msg = message_from_bytes(data, policy=policy.default)
        except Exception as exc:  # noqa: BLE001 - e.g. RecursionError: a structure too deep
            note(notes, "structure_unreadable", error=type(exc).__name__)
            msg = _headers_only(data)
    for defect in list(getattr(msg, "defects", []))[:5]:
        note(notes, "malformed", defect=type(defect).__name__)

    subject = header(msg, "subject", notes) or ""
    from_name, from_addr = _address(header(msg, "from", notes), notes)
    reply_to = _addresses(header(msg, "reply-to", notes))
    message_id = first_id(header(msg, "message-id", notes))
    in_reply_to = first_id(header(msg, "in-reply-to", notes))
    refs = message_ids(header(msg, "references", notes, limit=MAX_REFERENCES_CHARS))
    references = refs if len(refs) <= MAX_REFERENCES else [refs[0], *refs[1 - MAX_REFERENCES :]]
    date = _date(header(msg, "date", notes), notes) or received or datetime.now(UTC)

    body, html, attachments = _body(msg, notes)
    automatic = automatic_reason(msg, from_addr)
    if message_id is None:
        message_id = synthetic_id(header(msg, "date", []), from_addr, subject, body)
        note(notes, "no_message_id")
    parent = in_reply_to or (references[-1] if references else None)
    root = references[0] if references else None
    text = cap_text(strip_quoted(body)) or (
        "(no text)" if not attachments else "(attachments only)"
    )
    raw: dict[str, Any] = {
        "message_id": message_id,
        "subject": subject,
        "from": from_addr,
        "from_name": from_name,
        "reply_to": reply_to,
        "to": _addresses(header(msg, "to", notes)),
        "cc": _addresses(header(msg, "cc", notes)),
        "date": date.isoformat(),
        "in_reply_to": in_reply_to,
        "references": references,
        "language": header(msg, "content-language", []),
        "folder": folder,
        "uid": uid,
        "size": whole,
        "html": html,
        "automatic": automatic,
        "attachments": attachments,
        "body": body,
        "notes": notes[:MAX_NOTES],
    }
    return ParsedMention(
        platform=PLATFORM,
        remote_id=message_id,
        author_handle=from_addr or "(unknown sender)",
        author_name=from_name or from_addr or "(unknown sender)",
        text=text,
        created_at=date,
        kind="automatic" if automatic else "email",
        language=language_code((raw["language"] or "").split(",")[0].strip()),
        in_reply_to_remote_id=parent,
        thread_root_remote_id=root,
        title=subject or None,
        visibility="direct",
        raw=raw,
    )


def note(notes: Notes, code: str, **args: str | int) -> None:
    """Add one import note: a code (a key of the ``import_note`` catalog section) and its
    values."""
    notes.append({"code": code, "args": args} if args else {"code": code})


def too_nested(data: bytes) -> bool:
    """More than ``MAX_NESTED`` ``Content-Type: multipart/...`` or ``message/...`` header lines
    (a folded value too): the structure is not worth parsing. Milliseconds where the parser
    takes seconds: the words are counted anywhere first (a tenth of the parse of a 25 MB mail),
    and only a mail with more of them than the cap is scanned line by line (three times slower)."""
    low = data.lower()
    if low.count(b"multipart/") + low.count(b"message/") <= MAX_NESTED:
        return False
    for count, _ in enumerate(_NESTING.finditer(data), start=1):
        if count > MAX_NESTED:
            return True
    return False


# -- headers ---------------------------------------------------------------------------------


def _headers_only(data: bytes) -> EmailMessage:
    """The header of a message whose body cannot be parsed; its body kept as plain text."""
    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(data)
    except Exception:  # noqa: BLE001
        return EmailMessage()
    if not isinstance(msg, EmailMessage):
        return EmailMessage()
    head, _, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    del head
    for name in ("content-type", "content-transfer-encoding"):
        del msg[name]
    msg.set_payload(body[:MAX_TEXT_CHARS].decode("utf-8", "replace"))
    return msg


def header(msg: Message, name: str, notes: Notes, *, limit: int = MAX_HEADER_CHARS) -> str | None:
    """A header's decoded value, capped; the raw value (and a note) when it cannot be decoded."""
    try:
        value = msg.get(name)
        text = None if value is None else str(value)
    except Exception as exc:  # noqa: BLE001 - policy.default raises on some broken headers
        note(notes, "header_undecodable", header=name, error=type(exc).__name__)
        text = _raw_header(msg, name)
    if text is None:
        return None
    if len(text) > limit:
        note(notes, "header_cut", header=name, size=len(text), limit=limit)
        text = text[-limit:] if name == "references" else text[:limit]
    return text.replace("\r", " ").replace("\n", " ").strip()


def _raw_header(msg: Message, name: str) -> str | None:
    for key, value in getattr(msg, "_headers", []):
        if str(key).lower() == name:
            return str(value) if not isinstance(value, bytes) else value.decode("latin-1")
    return None


def message_ids(value: str | None) -> list[str]:
    """Every ``<id>`` in a References / In-Reply-To value, in order, without duplicates."""
    if not value:
        return []
    return list(dict.fromkeys(f"<{m}>" for m in _MSGID.findall(value)))


def first_id(value: str | None) -> str | None:
    """The first ``<id>`` of a header value (a bare id without brackets is accepted too)."""
    found = message_ids(value)
    if found:
        return found[0]
    bare = (value or "").strip()
    if bare and " " not in bare and len(bare) <= MAX_ID_CHARS - 2 and "<" not in bare:
        return f"<{bare}>"
    return None


def synthetic_id(date: str | None, sender: str, subject: str, body: str) -> str:
    """A stable stand-in Message-ID for a mail that has none (same mail, same id)."""
    digest = hashlib.sha256(
        "\x1f".join((date or "", sender, subject, body[:10_000])).encode("utf-8", "replace")
    ).hexdigest()[:32]
    return f"<desk-{digest}@no-message-id.invalid>"


def _address(value: str | None, notes: Notes) -> tuple[str, str]:
    if not value:
        return "", ""
    try:
        name, addr = parseaddr(value)
    except Exception:  # noqa: BLE001
        name, addr = "", ""
    if not addr or "@" not in addr:
        note(notes, "from_unreadable")
        return _CONTROL.sub(" ", value)[:200], ""
    return _CONTROL.sub(" ", name)[:200], addr.strip().lower()[:320]


def _addresses(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001
        return []
    return [a.strip().lower()[:320] for _, a in pairs if "@" in a][:50]


def _date(value: str | None, notes: Notes) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        note(notes, "date_unreadable")
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not EARLIEST <= moment <= datetime.now(UTC) + FUTURE_SLACK:
        note(notes, "date_implausible")
        return None
    return moment


# -- automatic mail --------------------------------------------------------------------------


def automatic_reason(msg: Message, sender: str | None = None) -> dict[str, Any] | None:
    """Why this mail was sent by a machine (auto-reply, bounce, list), or None (RFC 3834 §2,
    §3.1.7; the headers Zammad and Exchange use too): a code of the catalog section
    ``automatic_mail`` and its values, as import notes are (desk.views.ImportNote)."""
    notes: Notes = []
    auto = (header(msg, "auto-submitted", notes) or "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return _why("auto_submitted", value=auto[:40])
    precedence = (header(msg, "precedence", notes) or "").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return _why("precedence", value=precedence)
    if header(msg, "x-loop", notes) is not None:
        return _why("x_loop")
    if (header(msg, "x-auto-response-suppress", notes) or "").strip().lower() in ("all", "oof"):
        return _why("auto_response_suppress")
    if header(msg, "list-id", notes) is not None or header(msg, "list-unsubscribe", notes):
        return _why("mailing_list")
    return_path = header(msg, "return-path", notes)
    if return_path is not None and return_path.strip() in ("<>", ""):
        return _why("empty_return_path")
    if sender is None:
        sender = (parseaddr(header(msg, "from", notes) or "")[1] or "").lower()
    if sender.startswith(("mailer-daemon@", "postmaster@")):
        return _why("delivery_report")
    return None


def _why(code: str, **args: str) -> dict[str, Any]:
    """One reason for ``raw["automatic"]``: ``{"code": ..., "args": {...}}`` (args if any)."""
    return {"code": code, "args": args} if args else {"code": code}


# -- body and attachments --------------------------------------------------------------------


def _body(msg: Message, notes: Notes) -> tuple[str, bool, list[dict[str, Any]]]:
    """(text of the message, whether it came from HTML, the attachments listed)."""
    chosen: Message | None = None
    html = False
    attachments: list[dict[str, Any]] = []
    try:
        parts = _parts(msg, notes)
        if len(parts) == 1:  # the common case: one text part (get_body re-parses Content-Type)
            only = parts[0]
            chosen = only if only.get_content_maintype() == "text" else None
            if chosen is None and not only.is_multipart():
                attachments.append(_attachment(only))
            parts = [] if chosen is not None else parts
        elif isinstance(msg, EmailMessage):
            try:
                chosen = msg.get_body(preferencelist=("plain", "html"))
            except Exception:  # noqa: BLE001 - a broken structure: look for a text part below
                chosen = None
        if chosen is None:
            chosen = next((p for p in parts if p.get_content_maintype() == "text"), None)
        for part in parts if len(parts) > 1 else []:
            if part is chosen or part.get_content_maintype() == "multipart":
                continue
            if _is_attachment(part):
                if len(attachments) < MAX_ATTACHMENTS:
                    attachments.append(_attachment(part))
                elif len(attachments) == MAX_ATTACHMENTS:
                    note(notes, "too_many_attachments", limit=MAX_ATTACHMENTS)
                    attachments.append({"name": "…", "type": "", "size": 0})
    except RecursionError:
        note(notes, "nested_too_deep")
        parts = []
    if chosen is None:
        return "", False, attachments
    text = _text_of(chosen, notes)
    _part_defects(parts, msg, notes)
    if "\ufffd" in text:
        note(notes, "replaced_characters")
    if chosen.get_content_subtype() == "html":
        html = True
        text = html_to_text(text)
    return cap_text(text.replace("\r\n", "\n"), MAX_TEXT_CHARS), html, attachments


def _parts(msg: Message, notes: Notes) -> list[Message]:
    parts: list[Message] = []
    for part in msg.walk():
        if len(parts) >= MAX_PARTS:
            note(notes, "too_many_parts", limit=MAX_PARTS)
            break
        parts.append(part)
    return parts


def _part_defects(parts: list[Message], top: Message, notes: Notes) -> None:
    """Defects found in the parts (some, like bad base64, only once the part was decoded)."""
    found = {
        type(defect).__name__
        for part in parts
        if part is not top
        for defect in getattr(part, "defects", [])
    }
    for name in sorted(found)[:5]:
        note(notes, "part_malformed", defect=name)


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    if part.get_filename() is not None:
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _attachment(part: Message) -> dict[str, Any]:
    """Name, type and size of one attachment: listed, never opened or saved."""
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = _CONTROL.sub("", os.path.basename(name.replace("\\", "/")))[:200] or "(no name)"
    try:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
    except Exception:  # noqa: BLE001
        size = 0
    return {"name": name, "type": part.get_content_type()[:100], "size": size}


def _text_of(part: Message, notes: Notes) -> str:
    """A text part decoded; an unknown or lying charset gives replacement characters."""
    if isinstance(part, EmailMessage):
        try:
            content = part.get_content()
            if isinstance(content, str):
                return content
        except (LookupError, UnicodeError, ValueError, AssertionError, KeyError) as exc:
            note(notes, "text_undecodable_declared", error=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001
            note(notes, "text_undecodable", error=type(exc).__name__)
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        note(notes, "unknown_charset", charset=charset[:40])
        return payload.decode("utf-8", errors="replace")
