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
from dataclasses import dataclass, field
from datetime import datetime
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
from desk.platforms.errors import ChannelError
from desk.platforms.registry import platform as platform_named
from desk.text.safe import clean
from desk.views import StaffView

MAX_CHARS = 5000
"""A statement longer than this in one language is surely a mistake (the platforms' limits are
checked at approval)."""

BY_HAND = "pin by hand: the platform has no pin endpoint"

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


def _view(row: Statement) -> StatementView:
    posts = [
        Post(
            channel=str(key),
            remote_id=value.get("remote_id"),
            pinned=bool(value.get("pinned")),
            by_hand=bool(value.get("by_hand")),
            note=str(value.get("note") or ""),
        )
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
        """The channels a statement is published on: every live channel whose platform
        publishes (Mastodon, Bluesky, X)."""
        return [c.key for c in self.config.channel if platform_named(c.platform).publishes]

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
            if row.status != "draft":
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
            row.status = "approved"
            row.approved_by = self.actor.name
            row.approved_at = self.clock()
            session.add(row)
            self.record(session, Action.STATEMENT_APPROVED, statement=row.id)
            return _view(row)

    async def publish(self, statement_id: int, connect: Connect) -> StatementView:
        """Post the approved statement on every publishing channel not yet recorded, then pin
        it; returns the statement with each channel's outcome (failures are notes, retried by
        the next run)."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("statement_forbidden")
        current = self.get(statement_id)
        if current.status == "draft":
            raise ActionRefused.from_catalog("statement_not_approved", id=statement_id)
        done = {p.channel: p for p in current.posts}
        text = current.published_text
        for channel in self.channels():
            post = done.get(channel)
            if post is not None and post.done:
                continue
            async with connect(channel) as connector:
                if post is None or not post.remote_id:
                    try:
                        remote_id = await connector.publish(
                            text,
                            idempotency_key=f"statement:{statement_id}:{channel}",
                            created_at=current.approved_at or self.clock(),
                        )
                    except ChannelError as exc:
                        self._store(statement_id, Post(channel, note=str(exc)), published=False)
                        continue
                    post = Post(channel, remote_id=remote_id)
                    self._store(statement_id, post, published=True)
                try:
                    pinned = await connector.pin(post.remote_id or "")
                except ChannelError as exc:
                    self._store(statement_id, Post(channel, post.remote_id, note=str(exc)))
                    continue
                note = "" if pinned else BY_HAND
                self._store(
                    statement_id,
                    Post(channel, post.remote_id, pinned=pinned, by_hand=not pinned, note=note),
                    pin=pinned,
                )
        return self.get(statement_id)

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
        self, statement_id: int, post: Post, *, published: bool = False, pin: bool = False
    ) -> None:
        """One channel's outcome, and its audit event, in one transaction."""
        with transaction(self.write_factory) as session:
            row = self._row(session, statement_id)
            posts = _posts(row)
            posts[post.channel] = {k: v for k, v in post.to_json().items() if k != "channel"}
            row.posts = json.dumps(posts, sort_keys=True)
            if published and row.status == "approved":
                row.status = "published"
            session.add(row)
            data = {"statement": statement_id, "channel": post.channel}
            if published:
                self.record.event(
                    session, Action.STATEMENT_PUBLISHED, {**data, "remote_id": post.remote_id}
                )
            elif pin:
                self.record.event(session, Action.STATEMENT_PINNED, data)
            else:
                self.record.event(session, Action.STATEMENT_NOTED, {**data, "note": post.note})
