"""A shared mailbox: IMAP in (IMAPClient, in worker threads), SMTP out (smtplib).

Logging in
- ``auth = "login"``: IMAP LOGIN (and SMTP AUTH where offered) with the secret as password.
- ``auth = "xoauth2"`` (Microsoft 365 has removed basic auth for IMAP; Gmail): the secret is an
  OAuth2 access token, sent as SASL XOAUTH2 (``user=<login>^Aauth=Bearer <token>^A^A``, base64)
  by ``AUTHENTICATE XOAUTH2`` (IMAP) and ``AUTH XOAUTH2`` (SMTP); a refusal's challenge (a JSON
  error) is answered with the empty line the mechanism asks for. A refused token is a
  ``PermanentError`` (IMAP: the channel is ``failing``, no retry storm) or ``NotPosted`` (SMTP),
  from the catalog: which channel and server, the status the server gave, where the token comes
  from (its reference, never its value) and what to do. desk does not refresh tokens itself:
  from a ``file:`` reference the token is read again at each login, so a tool outside desk can
  keep the file fresh (access tokens last about an hour).

Receiving
- Each watched folder is opened read-only (``EXAMINE``) and messages are fetched with
  ``BODY.PEEK[]``: desk never sets ``\\Seen``, never moves or deletes anything.
- The cursor is JSON, one entry per folder: ``{"INBOX": {"validity": 1796612882, "uid": 42,
  "modseq": 97}}`` (UIDVALIDITY, the last UID committed and, where the server offers CONDSTORE
  (RFC 7162), the folder's HIGHESTMODSEQ once everything up to it was read; cursors written
  before CONDSTORE, without ``modseq``, are read as they are). New mail is ``UID SEARCH UID
  <uid+1>:*`` (the server may answer the last message for ``*``: UIDs not above the cursor are
  dropped). With CONDSTORE the poll connection sends ``ENABLE CONDSTORE`` and asks each folder
  whose cursor has a modseq ``STATUS (UIDVALIDITY HIGHESTMODSEQ)`` first: unchanged means nothing
  was added, flagged or removed, and the poll sends no EXAMINE, SEARCH or FETCH (on Dovecot with
  5,000 messages, STATUS takes 0.06 ms where EXAMINE with CONDSTORE takes 2 to 5 ms). Otherwise
  EXAMINE reports HIGHESTMODSEQ, the search adds ``MODSEQ <modseq+1>`` (only messages changed
  since), and the folder is closed after (STATUS is not for the selected mailbox; CLOSE after
  EXAMINE removes nothing). A page cut short (more mail waiting) stores no ``modseq``: the
  next poll searches by UID alone. A server without CONDSTORE (or a folder answering
  ``NOMODSEQ``) keeps the UID path. When a folder's UIDVALIDITY changes, its UIDs and modseqs mean
  nothing any more: the folder is read again from the start and the Message-IDs desk already
  holds are dropped by the ingest's dedupe (``remote_id`` is the Message-ID), so nothing is lost
  and nothing is doubled.
- ``RFC822.SIZE`` is read first: a message over ``max_message_bytes`` is imported from its header
  only, with a note. A page holds at most ``PAGE`` messages; ``more`` asks for the next one.
- ``wait_for_news`` (the ``pushes`` capability: ``desk.channels.pull`` waits on it between polls)
  IDLEs on each watched folder (IDLE watches one mailbox: a connection per folder, at most
  ``IDLE_FOLDERS``; servers cap connections per user, Dovecot at 10), re-issued at least every
  ``IDLE_REISSUE`` seconds (RFC 2177: before 29 minutes), and returns as soon as the server says
  ``EXISTS`` — or at once when a folder's UIDNEXT at the IDLE's SELECT is not the one the last
  poll read up to (mail that came in between, which IDLE never announces). Polling at ``interval_seconds`` stays the source of truth; a server without IDLE
  is simply polled.

Sending
- ``post`` builds the reply (``build_reply``): ``In-Reply-To`` and ``References`` from the
  parent, a desk-made ``Message-ID`` derived from the reply's idempotency key (the same reply is
  always the same message), ``Auto-Submitted: no``, the text with the person's signature as
  composed. A CR or LF in any header value is refused (``NotPosted``) before any connection.
- The From address and name (so the Message-ID's domain and the envelope sender) are those frozen
  when the reply was queued (``ReplyRequest.sender``, from ``Email.frozen_sender``): a desk.toml
  change afterwards changes neither the message nor the Message-ID ``find_posted`` looks for.
  Replies queued before the freeze (no ``sender``) follow the channel's settings at send time.
- Until the end of DATA every failure is certain: nothing was accepted (``NotPosted``; a ``4xx``
  is a rate limit to wait out). A connection lost *after* the message was sent, before the
  server's answer, is ambiguous: ``ChannelError``, and the outbox asks ``find_posted``.
- ``find_posted`` searches the Sent folder for the Message-ID (``SEARCH HEADER Message-ID``):
  found → sent. Not found proves nothing (the provider may file late, desk appends its copy only
  after the server's ``250``): ``Unprovable``, the reply is ``unknown`` and a supervisor decides.
  Nothing is ever resent blindly.
- After a ``250``, a copy is appended to ``sent_folder`` (``\\Seen``) unless ``sent_copy`` is off
  (Gmail, Microsoft 365 and Zoho file one themselves).
- ``bcc_self``: the mailbox is also a recipient of each reply (in the envelope only, never in a
  header), so a copy arrives in a watched folder even where the provider's Sent folder is late
  or missing; ``find_posted`` searches there too. That copy, like any reply desk sent from the
  mailbox (its desk-made Message-ID, from our address), is never taken in as a mention.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any, ClassVar, TypeGuard

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from desk.config.secrets import resolve
from desk.errors import DeskError
from desk.platforms.client import Connector, Page, ReplyRequest
from desk.platforms.email import from_address
from desk.platforms.email import payload as parser
from desk.platforms.errors import (
    ChannelError,
    NotPosted,
    PermanentError,
    RateLimited,
    TransientError,
    Unprovable,
)
from desk.platforms.fields import cursor_object
from desk.platforms.parsed import ItemError, ParseResult
from desk.text.safe import clean
from desk.views import ImportNote

log = logging.getLogger(__name__)
PAGE = 200  # messages per page (one transaction in the ingest)
HEADER_ONLY = b"BODY[HEADER]"
IDLE_REISSUE = 25 * 60  # seconds: RFC 2177 asks for less than 29 minutes
IDLE_SLICE = 1.0  # seconds per idle_check: how soon a stop or a cancel is noticed
IDLE_FOLDERS = 5  # folders watched with IDLE (a connection each); any further ones are polled
SMTP_RETRY_SECONDS = 60.0
DESK_ID_PREFIX = "<desk."  # how every Message-ID desk makes begins (reply_message_id)
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|réf)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_ID_SAFE = re.compile(r"[^A-Za-z0-9.-]")
_NET_ERRORS = (OSError, imap_errors.IMAPClientAbortError, socket.timeout, EOFError)


def load_cursor(cursor: str | None) -> dict[str, dict[str, int]]:
    """The per-folder cursors stored for a channel (``validity``, ``uid`` and, when CONDSTORE
    was used, ``modseq``); an entry without a readable ``modseq`` (a cursor written before
    CONDSTORE) keeps its UIDs; anything else unreadable starts afresh."""
    value = cursor_object(cursor)
    if value is None:
        return {}
    out: dict[str, dict[str, int]] = {}
    for folder, entry in value.items():
        if isinstance(entry, dict):
            validity, uid = entry.get("validity"), entry.get("uid")
            if _count(validity) and _count(uid):
                out[str(folder)] = {"validity": validity, "uid": uid}
                modseq = entry.get("modseq")
                if _count(modseq) and modseq > 0:
                    out[str(folder)]["modseq"] = modseq
    return out


def _count(value: object) -> TypeGuard[int]:
    """A non-negative integer (JSON ``true`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def dump_cursor(state: dict[str, dict[str, int]]) -> str:
    """The stored form of the per-folder cursors."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- the reply message -----------------------------------------------------------------------


def reply_message_id(reply: ReplyRequest, address: str) -> str:
    """The reply's Message-ID: the same reply (idempotency key) always gives the same one."""
    domain = address.rpartition("@")[2] or "desk.invalid"
    key = _ID_SAFE.sub("", reply.idempotency_key)[:64] or str(reply.reply_id)
    return f"{DESK_ID_PREFIX}{key}@{_ID_SAFE.sub('', domain)[:200] or 'desk.invalid'}>"


def reply_subject(subject: str) -> str:
    """``Re: subject``, never ``Re: Re: subject``."""
    subject = subject.strip()
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".strip()


def references_for(raw: dict[str, Any]) -> list[str]:
    """RFC 5322 §3.6.4: the parent's References (else its In-Reply-To), then its Message-ID;
    the first and the last 18 are kept when the chain is long."""
    chain = [r for r in raw.get("references") or [] if isinstance(r, str)]
    if not chain and isinstance(raw.get("in_reply_to"), str):
        chain = [raw["in_reply_to"]]
    parent = raw.get("message_id")
    if isinstance(parent, str) and parent not in chain:
        chain.append(parent)
    return chain if len(chain) <= 19 else [chain[0], *chain[-18:]]


def recipient_of(raw: dict[str, Any], fallback: str) -> str:
    """Where a reply goes: the parent's Reply-To, else its From (else ``fallback``)."""
    reply_to = raw.get("reply_to")
    if isinstance(reply_to, list) and reply_to and isinstance(reply_to[0], str):
        return reply_to[0]
    sender = raw.get("from")
    return sender if isinstance(sender, str) and "@" in sender else fallback


def build_reply(
    reply: ReplyRequest, *, address: str, display_name: str | None = None
) -> EmailMessage:
    """The reply as RFC 5322 (see the module doc); NotPosted for a CR/LF in any header value."""
    raw = reply.parent_raw
    to = recipient_of(raw, reply.parent_author)
    headers = {
        "From": formataddr((display_name or "", address)),
        "To": to,
        "Subject": reply_subject(str(raw.get("subject") or "")),
        "Date": format_datetime(reply.created_at.astimezone(UTC)),
        "Message-ID": reply_message_id(reply, address),
        "In-Reply-To": str(raw.get("message_id") or reply.parent_remote_id),
        "References": " ".join(references_for(raw)),
        "Auto-Submitted": "no",
    }
    if reply.language:
        headers["Content-Language"] = reply.language
    for name, value in headers.items():
        if any(c in value for c in "\r\n\x00"):
            raise NotPosted(f"reply not sent: the {name} header would contain a line break")
        if name in ("To", "From") and "@" not in value:
            raise NotPosted(f"reply not sent: no address to send it to ({name})")
    msg = EmailMessage(policy=policy.SMTP)
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(reply.text.replace("\r\n", "\n").replace("\r", "\n") + "\n")
    return msg


class EmailConnector(Connector):
    """One shared mailbox: its folders in, replies out."""

    platform = "email"
    pushes: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # channel, client (unused: not HTTP), secret, now=
        self._imap: IMAPClient | None = None
        self._condstore = False  # the poll connection has CONDSTORE enabled (RFC 7162)
        self._lock = threading.Lock()  # the poll connection serves one command at a time
        self._idle: dict[str, IMAPClient] = {}  # folder -> its IDLE connection
        self._closing: list[IMAPClient] = []
        self._idle_epoch = 0  # moved on when the IDLE connections are dropped (_idle_start)
        self._polled: dict[str, tuple[int, int]] = {}  # folder -> (UIDVALIDITY, UIDNEXT) read

    @property
    def address(self) -> str:
        """The mailbox's own address as desk.toml says now (replies queued before their
        sender was frozen are sent from it; the ``bcc_self`` copy comes to it)."""
        return from_address(self.channel)

    def sender_of(self, reply: ReplyRequest) -> tuple[str, str | None]:
        """The From address and display name of ``reply``: those frozen when it was queued
        (``Email.frozen_sender``), else (older rows) the channel's settings now."""
        frozen = reply.sender or {}
        address = frozen.get("address", "").strip()
        if "@" in address:
            return address, frozen.get("name") or None
        return self.address, self.channel.display_name

    # -- connections -----------------------------------------------------------------------
    def _imap_server(self) -> tuple[str, int]:
        """The IMAP host and port (993 with implicit TLS, else 143, unless configured)."""
        channel = self.channel
        return channel.host or "", channel.port or (993 if channel.tls == "implicit" else 143)

    def _connect(self) -> IMAPClient:
        channel = self.channel
        host, port = self._imap_server()
        implicit = channel.tls == "implicit"
        where = f"{channel.key}: IMAP {host}:{port}"
        try:
            conn = IMAPClient(
                host,
                port=port,
                ssl=implicit,
                ssl_context=ssl.create_default_context() if implicit else None,
                timeout=channel.timeout_seconds,
            )
        except _NET_ERRORS as exc:
            raise TransientError(f"{where}: cannot connect ({type(exc).__name__})") from exc
        try:
            if channel.tls == "starttls":
                conn.starttls(ssl.create_default_context())
            self._login(conn, where)
        except PermanentError:
            _quietly_close(conn)
            raise
        except imap_errors.LoginError as exc:
            _quietly_close(conn)
            raise PermanentError(f"{where}: login refused (check account and secret)") from exc
        except (*_NET_ERRORS, imap_errors.IMAPClientError, ssl.SSLError) as exc:
            _quietly_close(conn)
            raise TransientError(f"{where}: {type(exc).__name__} while logging in") from exc
        return conn

    def _login(self, conn: IMAPClient, where: str) -> None:
        account = self.channel.account or self.address
        if self.secret is None or not account:
            raise PermanentError(f"{where}: an email channel needs account and secret")
        if self.channel.auth == "xoauth2":
            self._imap_xoauth2(conn, account)
        else:
            conn.login(account, self.secret.reveal())

    def _imap_xoauth2(self, conn: IMAPClient, account: str) -> None:
        """``AUTHENTICATE XOAUTH2`` with the channel's secret as the OAuth2 token; a refused
        token is a PermanentError saying what to do, without the token."""
        server = "{}:{}".format(*self._imap_server())
        offered = [c for c in conn.capabilities() if bytes(c).upper().startswith(b"AUTH=")]
        if b"AUTH=XOAUTH2" not in {bytes(c).upper() for c in offered}:
            names = ", ".join(bytes(c)[5:].decode("ascii", "replace") for c in offered)
            raise PermanentError.from_catalog(
                "email_no_xoauth2",
                channel=self.channel.key,
                protocol="IMAP",
                server=server,
                offered=clean(names, one_line=True, max_len=120) or "-",
            )
        answer = _Xoauth2(account, self._token(PermanentError))
        try:
            # imaplib's AUTHENTICATE, as IMAPClient.oauth2_login runs it, but answering a
            # refusal's challenge with the empty line XOAUTH2 asks for (oauth2_login would
            # send the token a second time).
            conn._command_and_check("authenticate", "XOAUTH2", answer)
        except imap_errors.IMAPClientAbortError:
            raise  # the connection, not the token: TransientError in _connect
        except imap_errors.IMAPClientError:
            raise PermanentError.from_catalog(
                "email_token_refused",
                channel=self.channel.key,
                server=server,
                account=account,
                code=answer.code(),
                secret=_source(self.secret),
            ) from None  # imaplib's frames hold the encoded token: not kept with the error

    def _token(self, error: type[ChannelError]) -> Any:  # a desk.config.secrets.Secret
        """The OAuth2 access token for a login. From a ``file:`` reference it is read again at
        each login: access tokens last about an hour (Microsoft 365) and a tool outside desk
        rewrites the file, so ``desk watch`` need not be restarted. ``error`` when it cannot be
        read."""
        source = getattr(self.secret, "source", "")
        if not (isinstance(source, str) and source.startswith("file:")):
            return self.secret
        try:
            return resolve(source)
        except DeskError as exc:  # says what and where, never the value
            raise error(f"{self.channel.key}: {exc.message}") from None

    @contextlib.contextmanager
    def _session(self) -> Iterator[IMAPClient]:
        """The poll connection (made on first use, dropped after a network error)."""
        with self._lock:
            if self._imap is None:
                conn = self._connect()
                try:
                    self._condstore = _enable_condstore(conn)
                except (*_NET_ERRORS, imap_errors.IMAPClientError) as exc:
                    _quietly_close(conn)
                    raise TransientError(
                        f"{self.channel.key}: IMAP connection lost ({type(exc).__name__}) "
                        "before the first command; reconnecting at the next try"
                    ) from exc
                self._imap = conn
            try:
                yield self._imap
            except (*_NET_ERRORS, imap_errors.IMAPClientError) as exc:
                broken, self._imap = self._imap, None
                _quietly_close(broken)
                if isinstance(exc, imap_errors.IMAPClientError) and not isinstance(
                    exc, imap_errors.IMAPClientAbortError
                ):
                    raise TransientError(f"{self.channel.key}: IMAP said: {exc}") from exc
                raise TransientError(
                    f"{self.channel.key}: IMAP connection lost ({type(exc).__name__}); "
                    "reconnecting at the next try"
                ) from exc

    # -- fetching --------------------------------------------------------------------------
    async def fetch(self, cursor: str | None) -> Page:
        """New messages of every watched folder, up to ``PAGE`` (see the module doc)."""
        return await asyncio.to_thread(self._fetch, cursor)

    def _fetch(self, cursor: str | None) -> Page:
        state = load_cursor(cursor)
        result = ParseResult(platform=self.platform)
        notes: list[str | ImportNote] = []
        more = False
        with self._session() as conn:
            for folder in self.channel.folders:
                room = PAGE - len(result.items) - len(result.errors)
                if room <= 0:
                    more = True
                    break
                more |= self._fetch_folder(conn, folder, state, result, notes, room)
        new_cursor = dump_cursor(state)
        return Page(
            result, cursor=new_cursor if new_cursor != cursor else None, more=more, notes=notes
        )

    def _fetch_folder(
        self,
        conn: IMAPClient,
        folder: str,
        state: dict[str, dict[str, int]],
        result: ParseResult,
        notes: list[str | ImportNote],
        room: int,
    ) -> bool:
        """Append up to ``room`` new messages of ``folder``; True when more are waiting."""
        known = state.get(folder)
        if self._condstore and known is not None and self._unchanged(conn, folder, known):
            return False  # nothing added, flagged or removed since the cursor: no EXAMINE
        try:
            selected = conn.select_folder(folder, readonly=True)  # EXAMINE: \Seen untouched
        except imap_errors.IMAPClientError as exc:
            if isinstance(exc, imap_errors.IMAPClientAbortError):
                raise
            result.errors.append(ItemError(f"folder {folder!r} cannot be opened: {exc}"))
            return False
        validity = int(selected.get(b"UIDVALIDITY", 0))
        uidnext = selected.get(b"UIDNEXT")
        highest = selected.get(b"HIGHESTMODSEQ") if self._condstore else None
        if not _count(highest) or highest == 0:
            highest = None  # no CONDSTORE, or NOMODSEQ: the UID path
        last, since = 0, None
        if known is not None:
            if known["validity"] == validity:
                last, since = known["uid"], known.get("modseq")
            else:
                notes.append(  # the folder is read again; Message-IDs drop what desk has
                    ImportNote(
                        code="uidvalidity_changed",
                        args={"folder": folder, "old": known["validity"], "new": validity},
                        section="pull_note",
                    )
                )
        if highest is not None and since == highest:
            conn.close_folder()
            return False  # nothing added, flagged or removed since the cursor: no SEARCH
        criteria: list[str] = ["UID", f"{last + 1}:*"]
        if highest is not None and since is not None and since < highest:
            criteria += ["MODSEQ", str(since + 1)]  # (a modseq gone back: by UID alone)
        uids = sorted(u for u in conn.search(criteria) if u > last)
        batch = uids[:room]
        if batch:
            self._read(conn, folder, batch, result)
            last = batch[-1]
        entry = {"validity": validity, "uid": last}
        if highest is not None and len(batch) == len(uids):
            # Everything the server had at EXAMINE time is read (HIGHESTMODSEQ came first: mail
            # arriving since has a higher modseq and is found next time).
            entry["modseq"] = highest
        state[folder] = entry
        if _count(uidnext) and len(batch) == len(uids):
            self._polled[folder] = (validity, uidnext)  # all below UIDNEXT read (_idle_start)
        else:
            self._polled.pop(folder, None)  # more to read: the pull asks for the next page
        if self._condstore:
            conn.close_folder()  # the next poll asks STATUS, which is not for a selected folder
        return len(uids) > len(batch)

    def _unchanged(self, conn: IMAPClient, folder: str, known: dict[str, int]) -> bool:
        """Whether ``STATUS folder (UIDVALIDITY HIGHESTMODSEQ UIDNEXT)`` says nothing changed since
        the cursor (a cursor without ``modseq``, an error, NOMODSEQ's 0: no, open the folder)."""
        if "modseq" not in known:
            return False
        try:
            status = conn.folder_status(folder, ["UIDVALIDITY", "HIGHESTMODSEQ", "UIDNEXT"])
        except imap_errors.IMAPClientAbortError:
            raise
        except imap_errors.IMAPClientError:
            return False  # EXAMINE will say what is wrong with the folder
        unchanged = bool(
            status.get(b"UIDVALIDITY") == known["validity"]
            and status.get(b"HIGHESTMODSEQ") == known["modseq"]
        )
        if unchanged and _count(uidnext := status.get(b"UIDNEXT")):
            self._polled[folder] = (known["validity"], uidnext)
        return unchanged

    def _read(self, conn: IMAPClient, folder: str, uids: list[int], result: ParseResult) -> None:
        cap = self.channel.max_message_bytes
        sizes = conn.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
        small = [u for u in uids if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= cap]
        big = [u for u in uids if u not in set(small)]
        bodies: dict[int, dict[bytes, Any]] = {}
        if small:
            bodies.update(conn.fetch(small, ["BODY.PEEK[]"]))
        if big:
            bodies.update(conn.fetch(big, ["BODY.PEEK[HEADER]"]))
        for index, uid in enumerate(uids):
            data = bodies.get(uid, {})
            raw = data.get(b"BODY[]") if uid not in big else data.get(HEADER_ONLY)
            if not isinstance(raw, bytes):
                result.errors.append(ItemError(f"{folder} UID {uid}: no content", index=index))
                continue
            meta = sizes.get(uid, {})
            received = meta.get(b"INTERNALDATE")
            try:
                mention = parser.parse_message(
                    raw,
                    source=self.channel.key,
                    folder=folder,
                    uid=uid,
                    received=_utc(received) if isinstance(received, datetime) else None,
                    max_bytes=cap,
                    size=int(meta.get(b"RFC822.SIZE", len(raw))) if uid in big else None,
                )
            except Exception as exc:  # noqa: BLE001 - one unreadable mail, not the page
                log.warning(
                    "%s: %s UID %s not parsed", self.channel.key, folder, uid, exc_info=True
                )
                result.errors.append(
                    ItemError(f"{folder} UID {uid}: unreadable ({type(exc).__name__})", index=index)
                )
                continue
            if self._own_reply(mention.remote_id, mention.author_handle):
                result.skipped += 1  # our own reply's copy (bcc_self, or filed in a folder)
                continue
            result.items.append(mention)

    # -- IDLE ------------------------------------------------------------------------------
    async def wait_for_news(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for new mail (IDLE on each watched folder, up to
        ``IDLE_FOLDERS``); True when a server announced some. Never raises: on any trouble it just
        waits the time out (polling)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, seconds)
        if not self.channel.idle:
            await asyncio.sleep(max(0.0, seconds))
            return False
        conns: list[Any] = []  # idling IMAPClients (the library has no type hints)
        try:
            conns, missed = await asyncio.to_thread(self._idle_start, self._idle_epoch)
            if not conns:
                await asyncio.sleep(max(0.0, deadline - loop.time()))
                return False
            if missed:
                return True  # mail came after the last poll, before the IDLE's SELECT
            stop_at = min(deadline, loop.time() + IDLE_REISSUE)
            while (left := stop_at - loop.time()) > 0:
                slice_ = min(IDLE_SLICE, left)
                answers = await asyncio.gather(
                    *(asyncio.to_thread(conn.idle_check, slice_) for conn in conns)
                )
                if any(_is_news(r) for responses in answers for r in responses):
                    return True
            return False
        except Exception:  # noqa: BLE001 - IDLE is an optimisation; polling goes on
            log.info("%s: IDLE failed, polling only", self.channel.key, exc_info=True)
            self._drop_idle()
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            return False
        except BaseException:  # cancelled: the connections are left mid-IDLE, close them
            self._drop_idle()
            raise
        finally:
            if conns and conns == list(self._idle.values()):  # not dropped meanwhile
                try:
                    for conn in conns:
                        await asyncio.to_thread(conn.idle_done)
                except Exception:  # noqa: BLE001
                    self._drop_idle()

    def idle_folders(self) -> list[str]:
        """The folders watched with IDLE (the first ``IDLE_FOLDERS``; the rest are polled)."""
        return list(self.channel.folders[:IDLE_FOLDERS])

    def _idle_start(self, epoch: int) -> tuple[list[Any], bool]:
        """One connection per IDLE folder, each idling (the IMAPClients; [] when the server has
        no IDLE), and whether a folder opened here has mail the last poll did not read: IDLE
        announces only what arrives after the SELECT, so a folder's UIDNEXT that moved since
        the poll is news at once.

        Runs in a thread that a cancelled wait does not stop: when the connections were dropped
        meanwhile (``epoch`` is not the current one: a stop, ``aclose``), those it opened are
        cut here, as nobody else will close them — nor log out of one in IDLE, which the server
        answers only after the channel's timeout."""
        for old in self._closing:
            _cut(old)
        self._closing.clear()
        opened: list[IMAPClient] = []
        missed = False
        try:
            for folder in self.idle_folders():
                if folder in self._idle:
                    continue
                conn = self._connect()
                opened.append(conn)
                if not conn.has_capability("IDLE"):
                    _quietly_close(conn)
                    self._drop_idle()
                    return [], False
                self._idle[folder] = conn  # before SELECT: a failure closes it with the rest
                selected = conn.select_folder(folder, readonly=True)
                polled = self._polled.get(folder)
                now = (selected.get(b"UIDVALIDITY"), selected.get(b"UIDNEXT"))
                missed |= polled is not None and now != polled
            for conn in self._idle.values():
                conn.idle()
            return list(self._idle.values()), missed
        finally:
            if epoch != self._idle_epoch:
                for conn in opened:
                    _cut(conn)
                self._idle = {
                    f: c for f, c in self._idle.items() if not any(c is o for o in opened)
                }

    def _drop_idle(self) -> None:
        self._idle_epoch += 1  # a start still running in its thread cuts what it opens
        self._closing.extend(self._idle.values())  # closed at the next start or by aclose
        self._idle = {}

    # -- replying --------------------------------------------------------------------------
    async def post(self, reply: ReplyRequest) -> str:
        """Send ``reply`` by SMTP; its Message-ID is the remote id (see the module doc)."""
        address, name = self.sender_of(reply)
        if not address or "@" not in address:
            raise NotPosted(f"{self.channel.key}: the channel has no address to send from")
        msg = build_reply(reply, address=address, display_name=name)
        message_id = str(msg["Message-ID"])
        data = msg.as_bytes(policy=policy.SMTP)
        await asyncio.to_thread(self._submit, data, str(msg["To"]), address)
        if self.channel.sent_copy:
            try:
                await asyncio.to_thread(self._file_copy, data)
            except Exception:  # noqa: BLE001 - the reply went out; the copy is a convenience
                log.warning("%s: reply sent, copy to Sent failed", self.channel.key, exc_info=True)
        return message_id

    def _submit(self, data: bytes, to: str, sender: str) -> None:
        """``data`` by SMTP to ``to`` with ``sender`` as the envelope's (the From's address,
        so bounces go where the citizen sees the reply come from)."""
        channel = self.channel
        host = channel.smtp_host or channel.host or ""
        mode = channel.smtp_tls
        port = channel.smtp_port or {"implicit": 465, "starttls": 587, "plain": 25}[mode]
        where = f"{channel.key}: SMTP {host}:{port}"
        timeout = channel.timeout_seconds
        try:  # nothing below reaches the recipient: any failure is certain
            smtp: smtplib.SMTP
            if mode == "implicit":
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            smtp.ehlo()
            if mode == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            self._smtp_login(smtp, f"{host}:{port}")
            code, said = smtp.mail(sender)
            if code != 250:
                raise _refused(where, "MAIL FROM", code, said)
            code, said = smtp.rcpt(to)
            if code not in (250, 251):
                raise _refused(where, "RCPT TO", code, said)
            if channel.bcc_self:  # the envelope only: no header says so, the citizen sees none
                code, said = smtp.rcpt(self.address)
                if code not in (250, 251):
                    log.warning("%s: the copy to %s was refused (%s)", where, self.address, code)
        except (NotPosted, RateLimited):
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise NotPosted(f"{where}: login refused ({exc.smtp_code})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise NotPosted(f"{where}: not sent ({type(exc).__name__}: {exc})") from exc
        try:
            code, said = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # the server answered: it did not take the mail
            raise _refused(where, "DATA", exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(
                f"{where}: connection lost during or after DATA ({type(exc).__name__}): the "
                "reply may have been accepted"
            ) from exc
        finally:
            with contextlib.suppress(Exception):
                smtp.quit()
        if code != 250:
            raise _refused(where, "DATA", code, said)

    def _smtp_login(self, smtp: smtplib.SMTP, server: str) -> None:
        if self.secret is None:
            return  # a relay that takes mail from this host without a login (tests)
        account = self.channel.account or self.address
        if self.channel.auth != "xoauth2":
            if smtp.has_extn("auth"):
                smtp.login(account, self.secret.reveal())
            return
        offered = str(smtp.esmtp_features.get("auth", "")).upper().split()
        if "XOAUTH2" not in offered:
            raise NotPosted.from_catalog(
                "email_no_xoauth2",
                channel=self.channel.key,
                protocol="SMTP",
                server=server,
                offered=clean(", ".join(offered), one_line=True, max_len=120) or "-",
            )
        answer = _Xoauth2(account, self._token(NotPosted))
        try:  # AUTH XOAUTH2 <initial response>; a refusal's challenge gets an empty line
            smtp.auth("XOAUTH2", answer, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as exc:
            raise NotPosted.from_catalog(
                "email_smtp_token_refused",
                status=exc.smtp_code,
                channel=self.channel.key,
                server=server,
                account=account,
                code=answer.code() or f", {exc.smtp_code}",
                secret=_source(self.secret),
            ) from None

    def _file_copy(self, data: bytes) -> None:
        with self._session() as conn:
            conn.append(self.channel.sent_folder, data, flags=[b"\\Seen"])

    async def find_posted(self, reply: ReplyRequest) -> str | None:
        """The reply's Message-ID when a copy is in the Sent folder (or, with ``bcc_self``, the
        copy the mailbox received in a watched folder); Unprovable otherwise."""
        message_id = reply_message_id(reply, self.sender_of(reply)[0])
        folders = [self.channel.sent_folder]
        if self.channel.bcc_self:
            folders += [f for f in self.channel.folders if f not in folders]
        for folder in folders:
            try:
                found = await asyncio.to_thread(self._search_id, folder, message_id)
            except ChannelError as exc:
                raise Unprovable(f"{self.channel.key}: cannot search {folder}: {exc}") from exc
            if found:
                return message_id
        raise Unprovable(
            f"{self.channel.key}: {message_id} is not in {', '.join(folders)}; it may still have "
            "been delivered: a supervisor decides (desk never resends an e-mail blindly)"
        )

    def _own_reply(self, message_id: str, sender: str) -> bool:
        """A reply desk sent from this mailbox: its desk-made Message-ID, from our address — or
        from the address frozen when it was queued, which desk.toml may have changed since
        (desk makes the Message-ID's domain from the From's: ``reply_message_id``)."""
        if not message_id.startswith(DESK_ID_PREFIX):
            return False
        if sender.casefold() == self.address.casefold():
            return True
        domain = sender.rpartition("@")[2]
        return bool(domain) and message_id.endswith(f"@{_ID_SAFE.sub('', domain)[:200]}>")

    def _search_id(self, folder: str, message_id: str) -> bool:
        with self._session() as conn:
            conn.select_folder(folder, readonly=True)
            found = bool(conn.search(["HEADER", "Message-ID", message_id]))
            conn.close_folder()  # (read-only: CLOSE removes nothing) polls ask STATUS next
            return found

    async def aclose(self) -> None:
        """Log out of every IMAP connection (polling and IDLE); those left mid-IDLE by a
        cancelled wait are cut (``_cut``), not logged out."""
        conns = [c for c in (self._imap, *self._idle.values()) if c is not None]
        self._idle_epoch += 1  # an IDLE start still under way cuts what it opens
        left_idling = self._closing
        self._imap = None
        self._idle = {}
        self._closing = []
        for conn in conns:
            await asyncio.to_thread(_quietly_close, conn)
        for conn in left_idling:
            await asyncio.to_thread(_cut, conn)


class _Xoauth2:
    """The SASL XOAUTH2 client (Google's and Microsoft's mechanism): the first answer is
    ``user=<login>^Aauth=Bearer <token>^A^A``; a refusal comes as a challenge holding a JSON
    error (``{"status":"401",...}``), answered with an empty line, then the server says no.
    The token is read from the Secret when it is sent and never kept in a string here."""

    def __init__(self, account: str, secret: Any) -> None:
        self.account = account
        self.secret = secret
        self.challenges: list[bytes] = []  # what the server said after the token (an error)
        self.sent = False

    def __call__(self, challenge: bytes | None = None) -> str:
        if self.sent:
            self.challenges.append(challenge or b"")
            return ""
        self.sent = True
        return f"user={self.account}\x01auth=Bearer {self.secret.reveal()}\x01\x01"

    def code(self) -> str:
        """``, 401``: the status of the server's JSON error, when it gave one (else empty)."""
        for challenge in self.challenges:
            try:
                said = json.loads(challenge)
            except ValueError:
                continue
            code = str(said.get("status", "")) if isinstance(said, dict) else ""
            if code.isdigit() and len(code) <= 3:
                return f", {code}"
        return ""


def _source(secret: Any) -> str:
    """Where the secret comes from (``env:NAME``, ``file:PATH``...), never its value."""
    return str(getattr(secret, "source", "") or "the channel's secret")


def _refused(where: str, step: str, code: int, said: Any) -> ChannelError:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    text = text.replace("\r", " ").replace("\n", " ")[:200]
    if 400 <= code < 500:  # not accepted, try later: the server keeps no copy
        return RateLimited(
            f"{where}: {step} deferred ({code} {text})", wait_seconds=SMTP_RETRY_SECONDS
        )
    return NotPosted(f"{where}: {step} refused ({code} {text})", status=code)


def _enable_condstore(conn: IMAPClient) -> bool:
    """``ENABLE CONDSTORE`` where the server offers it (then EXAMINE reports HIGHESTMODSEQ);
    False when it does not, or says no: the UID path."""
    try:
        if not (conn.has_capability("CONDSTORE") and conn.has_capability("ENABLE")):
            return False
        return b"CONDSTORE" in {bytes(c).upper() for c in conn.enable("CONDSTORE")}
    except imap_errors.IMAPClientAbortError:
        raise
    except imap_errors.IMAPClientError:
        log.info("CONDSTORE offered but not enabled; polling by UID", exc_info=True)
        return False


def _is_news(response: Any) -> bool:
    return (
        isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _cut(conn: IMAPClient) -> None:
    """Close a connection that may still be in IDLE (a wait cancelled or failed): no LOGOUT,
    which the server would take for a bad DONE and never answer — the close would then wait
    out the channel's timeout (20 s) per connection. The socket is shut; the server forgets."""
    with contextlib.suppress(Exception):
        conn.shutdown()


def _quietly_close(conn: IMAPClient | None) -> None:
    if conn is None:
        return
    try:
        conn.logout()
    except Exception:  # noqa: BLE001
        with contextlib.suppress(Exception):
            conn.shutdown()
