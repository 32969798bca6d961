"""The official statement of a crisis: one text, French and English, approved once by a
supervisor, then published on each channel and pinned where the platform allows it.

Practice (crisis.md §1: CERC "be first, be right, be credible"; Québec's and Belgium's bilingual
obligation): one trusted statement every correction can point to. So:

- ``draft`` keeps both languages; a statement cannot be approved without both (the refusal
  names the missing one).
- ``approve`` is a supervisor's, never the drafter's own, and checks the published text (the
  French, a blank line, the English) against every channel's limit *before* anything goes out.
- ``publish`` posts it on every live channel whose platform publishes (``Connector.publish``),
  each with the idempotency key ``statement:<id>:<channel>``: run again after a crash, a
  channel already recorded is skipped and the platform's own key (Mastodon's
  ``Idempotency-Key``; Bluesky's record key) keeps a post made just before the crash from being
  made twice. Each post is recorded (``statement.published``) in the transaction that stores
  its id; then it is pinned (``Connector.pin``: Mastodon's pin, at most 5 per account; Bluesky's
  ``pinnedPost``); where the platform has no pin (X), the checklist says a person must pin it.

The connector calls happen outside any transaction; every state change is one transaction with
its audit event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, transaction
from desk.db.tables import Statement
from desk.errors import ActionRefused, InputError, NotFound, PermissionDenied
from desk.platforms.client import Connector
from desk.platforms.errors import ChannelError, NotPosted
from desk.platforms.registry import platform as platform_named
from desk.text.safe import clean
from desk.views import StaffView
from desk.vocabulary import StatementStatus

MAX_CHARS = 5000
"""A statement longer than this in one language is surely a mistake (the platforms' limits are
checked at approval)."""

BY_HAND = "pin by hand: the platform has no pin endpoint"
PUBLISHING, UNKNOWN = "publishing", "unknown"
CLAIM = timedelta(minutes=10)
"""How long a desk's claim on publishing one channel holds (a crashed run frees it then)."""

Connect = Callable[[str], AbstractAsyncContextManager[Connector]]


@dataclass(frozen=True, slots=True)
class Post:
    """Where the statement went on one channel."""

    channel: str
    remote_id: str | None = None
    pinned: bool = False
    by_hand: bool = False
    """The platform has no pin: a person pins it (a checklist item, never retried)."""
    note: str = ""
    """Why it is not (yet) published or pinned there: the platform's refusal, "pin by hand"."""
    state: str = ""
    """``publishing`` (claimed by a desk until ``until``) or ``unknown`` (no answer: it may be
    out); empty otherwise."""
    until: datetime | None = None

    @property
    def done(self) -> bool:
        """Nothing left for desk to do on this channel."""
        return bool(self.remote_id) and (self.pinned or self.by_hand)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "channel": self.channel,
            "remote_id": self.remote_id,
            "pinned": self.pinned,
            "by_hand": self.by_hand,
            "note": self.note,
            "state": self.state,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True, slots=True)
class StatementView:
    """One statement, as the CLI and the TUI read it."""

    id: int
    text_fr: str
    text_en: str
    status: str
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    posts: list[Post] = field(default_factory=list)

    @property
    def published_text(self) -> str:
        """What each channel receives: the French, a blank line, the English."""
        return published_text(self.text_fr, self.text_en)

    def to_json(self) -> dict[str, Any]:
        """JSON form printed by ``desk statement show --json``."""
        return {
            "id": self.id,
            "text_fr": self.text_fr,
            "text_en": self.text_en,
            "status": self.status,
            "drafted_by": self.drafted_by,
            "drafted_at": self.drafted_at.isoformat(),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "posts": [p.to_json() for p in self.posts],
        }


def published_text(text_fr: str, text_en: str) -> str:
    """The one post both languages make (French first: desk's users are French-speaking)."""
    return f"{text_fr.strip()}\n\n{text_en.strip()}"


def _posts(row: Statement) -> dict[str, dict[str, Any]]:
    try:
        loaded = json.loads(row.posts or "{}")
    except (ValueError, RecursionError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _post(channel: str, value: dict[str, Any]) -> Post:
    """A channel's outcome as stored (a JSON object; anything odd in it is ignored)."""
    until = None
    try:
        until = as_utc(datetime.fromisoformat(str(value["until"]))) if value.get("until") else None
    except ValueError:
        until = None
    remote = value.get("remote_id")
    return Post(
        channel=channel,
        remote_id=str(remote) if remote else None,
        pinned=bool(value.get("pinned")),
        by_hand=bool(value.get("by_hand")),
        note=str(value.get("note") or ""),
        state=str(value.get("state") or ""),
        until=until,
    )


def _record(post: Post) -> dict[str, Any]:
    return {k: v for k, v in post.to_json().items() if k != "channel"}


def _view(row: Statement) -> StatementView:
    posts = [
        _post(str(key), value)
        for key, value in sorted(_posts(row).items())
        if isinstance(value, dict)
    ]
    return StatementView(
        id=row.id or 0,
        text_fr=row.text_fr,
        text_en=row.text_en,
        status=row.status,
        drafted_by=row.drafted_by,
        drafted_at=as_utc(row.drafted_at),
        approved_by=row.approved_by,
        approved_at=as_utc(row.approved_at) if row.approved_at else None,
        posts=posts,
    )


@dataclass(kw_only=True)
class StatementService:
    """Draft, approve, publish and pin the official statement (see the module doc)."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor.name, self.clock)

    # -- reading ---------------------------------------------------------------------------
    def all(self) -> list[StatementView]:
        """Every statement, newest first."""
        with self.read_factory() as session:
            rows = session.exec(select(Statement).order_by(col(Statement.id).desc())).all()
            return [_view(r) for r in rows]

    def get(self, statement_id: int) -> StatementView:
        """One statement; NotFound when there is none with that number."""
        with self.read_factory() as session:
            row = session.get(Statement, statement_id)
            if row is None:
                raise NotFound.from_catalog("statement_unknown", id=statement_id)
            return _view(row)

    def channels(self) -> list[str]:
        """The channels a statement is published on: every enabled channel whose platform
        publishes (Mastodon, Bluesky, X)."""
        return [
            c.key for c in self.config.channel if c.enabled and platform_named(c.platform).publishes
        ]

    # -- acting ----------------------------------------------------------------------------
    def draft(self, text_fr: str, text_en: str) -> StatementView:
        """A new draft (either language may still be empty: approval needs both)."""
        fr, en = self._text(text_fr, "fr"), self._text(text_en, "en")
        with transaction(self.write_factory) as session:
            row = Statement(
                text_fr=fr, text_en=en, drafted_by=self.actor.name, drafted_at=self.clock()
            )
            session.add(row)
            session.flush()
            self.record(session, Action.STATEMENT_DRAFTED, statement=row.id, fr=fr, en=en)
            return _view(row)

    def approve(self, statement_id: int) -> StatementView:
        """A supervisor approves a draft: both languages present, within every channel's
        limit. The drafter cannot approve their own statement."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("statement_forbidden")
        with transaction(self.write_factory) as session:
            row = self._row(session, statement_id)
            if row.status != StatementStatus.DRAFT:
                raise ActionRefused.from_catalog("statement_not_draft", id=statement_id)
            if row.drafted_by == self.actor.name:
                raise PermissionDenied.from_catalog("statement_own", id=statement_id)
            missing = [
                lang for lang, text in (("fr", row.text_fr), ("en", row.text_en)) if not text
            ]
            if missing:
                raise ActionRefused.from_catalog(
                    "statement_one_language", id=statement_id, missing=", ".join(missing)
                )
            self._check_lengths(published_text(row.text_fr, row.text_en))
            row.status = StatementStatus.APPROVED
            row.approved_by = self.actor.name
            row.approved_at = self.clock()
            session.add(row)
            self.record(session, Action.STATEMENT_APPROVED, statement=row.id)
            return _view(row)

    async def publish(self, statement_id: int, connect: Connect) -> StatementView:
        """Post the approved statement on every publishing channel not yet recorded, then pin
        it; returns the statement with each channel's outcome.

        Each channel is claimed first (``publishing``, in a transaction: two supervisors never
        post it at once). A refusal (``NotPosted``: nothing was published) is a note, retried
        by the next run. An answer that never came (a timeout, a 5xx) leaves the post
        *unknown*: it may be out. It is never posted again blindly — only where the platform's
        own key makes a second call find the first post (``Connector.idempotent_publish``:
        Bluesky); elsewhere a supervisor looks at the account and settles it (``settle``)."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("statement_forbidden")
        current = self.get(statement_id)
        if current.status == StatementStatus.DRAFT:
            raise ActionRefused.from_catalog("statement_not_approved", id=statement_id)
        text = current.published_text
        for channel in self.channels():
            post = self._claim(statement_id, channel)
            if post is None:
                continue  # done, unknown, or being published by another desk
            try:
                async with connect(channel) as connector:
                    await self._publish_one(statement_id, current, text, post, connector)
            except ChannelError as exc:  # the connector could not even be built: a note
                self._store(statement_id, replace(post, state="", note=str(exc)))
        return self.get(statement_id)

    async def _publish_one(
        self, statement_id: int, current: StatementView, text: str, post: Post, connector: Any
    ) -> None:
        channel = post.channel
        if not post.remote_id:
            if post.state == UNKNOWN and not connector.idempotent_publish:
                return  # may be out already: a person settles it
            try:
                remote_id = await connector.publish(
                    text,
                    idempotency_key=f"statement:{statement_id}:{channel}",
                    created_at=current.approved_at or self.clock(),
                )
            except NotPosted as exc:  # certain: nothing was published
                self._store(statement_id, Post(channel, note=str(exc)))
                return
            except ChannelError as exc:  # no answer: it may have been published
                self._store(statement_id, Post(channel, state=UNKNOWN, note=str(exc)))
                return
            if not remote_id:
                self._store(
                    statement_id,
                    Post(channel, state=UNKNOWN, note="the platform gave no id for the post"),
                )
                return
            post = Post(channel, remote_id=remote_id)
            self._store(statement_id, post, published=True)
        try:
            pinned = await connector.pin(post.remote_id or "")
        except ChannelError as exc:
            self._store(statement_id, Post(channel, post.remote_id, note=str(exc)))
            return
        note = "" if pinned else BY_HAND
        self._store(
            statement_id,
            Post(channel, post.remote_id, pinned=pinned, by_hand=not pinned, note=note),
            pin=pinned,
        )

    def settle(self, statement_id: int, channel: str, remote_id: str | None) -> StatementView:
        """A supervisor's finding for a channel left unknown: the post's id as seen on the
        account (``remote_id``), or None when it is provably not there (the next ``publish``
        posts it)."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("statement_forbidden")
        current = self.get(statement_id)
        post = next((p for p in current.posts if p.channel == channel), None)
        if post is None or post.state != UNKNOWN:
            raise ActionRefused.from_catalog(
                "statement_not_unknown", id=statement_id, channel=channel
            )
        found = (remote_id or "").strip()
        settled = Post(channel, remote_id=found or None, note="" if found else "not posted")
        self._store(statement_id, settled, published=bool(found), settled=True)
        return self.get(statement_id)

    def _claim(self, statement_id: int, channel: str) -> Post | None:
        """The channel's post, claimed for this desk (``publishing``); None when there is
        nothing to do or another desk is publishing it now (its claim not yet expired)."""
        with transaction(self.write_factory) as session:
            row = self._row(session, statement_id)
            posts = _posts(row)
            post = _post(channel, posts.get(channel) or {})
            now = self.clock()
            if post.done:
                return None
            if post.state == PUBLISHING and post.until and post.until > now:
                return None
            if post.state == UNKNOWN:
                return post  # only a platform that finds its own first post tries again
            claimed = replace(post, state=PUBLISHING, until=now + CLAIM)
            posts[channel] = _record(claimed)
            row.posts = json.dumps(posts, sort_keys=True)
            session.add(row)
            return claimed

    # -- helpers ---------------------------------------------------------------------------
    def _text(self, text: str, language: str) -> str:
        cleaned = clean(text or "", max_len=MAX_CHARS + 1).strip()
        if len(cleaned) > MAX_CHARS:
            raise InputError.from_catalog("statement_too_long", language=language, max=MAX_CHARS)
        return cleaned

    def _check_lengths(self, text: str) -> None:
        for channel in self.config.channel:
            where = platform_named(channel.platform)
            if not where.publishes:
                continue
            measured = where.reply_length(text, channel.max_chars)
            if not measured.ok:
                raise ActionRefused.from_catalog(
                    "statement_too_long_for",
                    channel=channel.key,
                    reason=measured.reason or "",
                )

    def _row(self, session: Any, statement_id: int) -> Statement:
        row = session.get(Statement, statement_id)
        if row is None:
            raise NotFound.from_catalog("statement_unknown", id=statement_id)
        return row

    def _store(
        self,
        statement_id: int,
        post: Post,
        *,
        published: bool = False,
        pin: bool = False,
        settled: bool = False,
    ) -> None:
        """One channel's outcome, and its audit event, in one transaction."""
        with transaction(self.write_factory) as session:
            row = self._row(session, statement_id)
            posts = _posts(row)
            posts[post.channel] = _record(post)
            row.posts = json.dumps(posts, sort_keys=True)
            if published and row.status == StatementStatus.APPROVED:
                row.status = StatementStatus.PUBLISHED
            session.add(row)
            data = {"statement": statement_id, "channel": post.channel}
            if settled:
                self.record.event(
                    session,
                    Action.STATEMENT_SETTLED,
                    {**data, "remote_id": post.remote_id, "posted": bool(post.remote_id)},
                )
                if published and row.status == StatementStatus.APPROVED:
                    row.status = StatementStatus.PUBLISHED
                return
            if published:
                self.record.event(
                    session, Action.STATEMENT_PUBLISHED, {**data, "remote_id": post.remote_id}
                )
            elif pin:
                self.record.event(session, Action.STATEMENT_PINNED, data)
            else:
                noted = {**data, "note": post.note}
                if post.state:
                    noted["state"] = post.state
                self.record.event(session, Action.STATEMENT_NOTED, noted)
