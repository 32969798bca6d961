"""InboxService: the state of mentions. Every action is one transaction that also writes its
audit event: assign, hand over, take, release, categorise, tag, close, reopen, mark spam —
on one mention, or on many at once (``bulk``: one audit event per mention, in batches).

The UI and the CLI call these methods and nothing else to change a mention; replies have their
own service (``desk.replies.service``). Each method raises a ``DeskError`` subclass with a message
for the user when the action is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, row_transaction, store, transaction
from desk.db.tables import Mention
from desk.errors import ActionRefused, DeskError, NotFound, PermissionDenied
from desk.i18n import Labels
from desk.views import StaffView
from desk.vocabulary import BULK_ACTIONS, CATEGORIES, Category, MentionStatus

BULK_BATCH = 200
"""Mentions changed per transaction by ``bulk``: each batch holds the write lock well under a
second, so a desk next door never waits past its busy timeout."""

Step = Callable[[Session, Mention], None]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A mention a bulk action left alone, and why (an ``errors.<key>`` of the catalog)."""

    mention_id: int
    key: str
    params: dict[str, Any]


@dataclass
class BulkReport:
    """What a bulk action did: the mentions changed (one audit event each) and those skipped."""

    action: str
    value: str | None
    done: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(kw_only=True)
class InboxService:
    """Actions on mentions as one staff member (``actor``)."""

    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor.name, self.clock)

    def _staff_name(self, name: str, *, receiver: bool = False) -> str:
        person = self.config.staff_named(name)
        if person is None:
            names = ", ".join(s.name for s in self.config.staff)
            raise NotFound.from_catalog("staff_unknown", name=name, names=names)
        if receiver and not person.active:  # deactivated (desk.staff): given no new work
            raise ActionRefused.from_catalog("staff_inactive_target", name=person.name)
        return person.name

    # -- hand-over ---------------------------------------------------------------------
    def handover(self, from_name: str, to_name: str, *, at: datetime | None = None) -> list[int]:
        """Move every open mention of one person to another, one audit event each.

        Allowed to a supervisor, or to the person handing over their own items. Refused when the
        receiver is absent that day (desk.toml ``absences``): work must not land on an empty desk.
        """
        source, target = self._staff_name(from_name), self._staff_name(to_name, receiver=True)
        if source == target:
            raise ActionRefused.from_catalog("handover_same", name=source)
        if not self.actor.is_supervisor and self.actor.name != source:
            raise PermissionDenied.from_catalog("handover_forbidden", name=source)
        day = self.config.hours.calendar().local(at or self.clock()).date()
        person = self.config.staff_named(target)
        for absence in person.absences if person else ():
            if absence.start <= day <= absence.end:
                raise ActionRefused.from_catalog(
                    "handover_absent", name=target, until=absence.end.isoformat()
                )
        with transaction(self.write_factory) as session:
            mentions = store.open_mentions_of(source, session=session)
            for mention in mentions:
                mention.assignee = target
                session.add(mention)
                self.record(
                    session,
                    Action.MENTION_HANDED_OVER,
                    mention_id=mention.id,
                    previous=source,
                    to=target,
                )
            return [m.id for m in mentions if m.id is not None]

    # -- one mention ----------------------------------------------------------------------
    # Each action is a step on a mention already read in a transaction (``_assign``, ...): the
    # public method runs it on one mention, ``bulk`` on many (desk.bulk), with the same checks
    # and the same audit event per mention.
    def assign(self, mention_id: int, staff_name: str) -> None:
        """Give the mention to a named staff member."""
        name = self._staff_name(staff_name, receiver=True)
        self._one(mention_id, lambda session, mention: self._assign(session, mention, name))

    def claim(self, mention_id: int) -> None:
        """Take the mention for yourself (refused if a colleague has it, unless you supervise)."""
        self._one(mention_id, self._claim)

    def release(self, mention_id: int) -> None:
        """Give back a mention you hold, so it is unassigned."""
        self._one(mention_id, self._release)

    def categorise(self, mention_id: int, category: str) -> None:
        """Set the category by hand (overrides triage)."""
        _check_category(category)
        self._one(mention_id, lambda session, m: self._categorise(session, m, category))

    def close(self, mention_id: int, reason: str = "") -> None:
        """Mark the mention done."""
        self._one(mention_id, lambda session, mention: self._close(session, mention, reason))

    def reopen(self, mention_id: int) -> None:
        """Put a closed mention back in the open queue."""
        self._one(mention_id, self._reopen)

    def mark_spam(self, mention_id: int) -> None:
        """Categorise as spam and close, in one step."""
        self._one(mention_id, self._mark_spam)

    def tag(self, mention_id: int, tag: str) -> None:
        """Add a tag (a word the team chose: ``eau``, ``coupure-nord``) to the mention."""
        word = _check_tag(tag)
        self._one(mention_id, lambda session, mention: self._tag(session, mention, word))

    def _one(self, mention_id: int, step: Step) -> None:
        # The step changes this mention only, then appends its event: a row transaction, which
        # on PostgreSQL runs beside the other desks' (SKIP LOCKED on the mention; "busy" when a
        # colleague's transaction holds it this instant).
        with row_transaction(self.write_factory) as session:
            step(session, store.lock_mention(mention_id, session=session))

    # -- many mentions -----------------------------------------------------------------------
    def bulk(
        self,
        action: str,
        mention_ids: Sequence[int],
        value: str | None = None,
        *,
        batch: int = BULK_BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> BulkReport:
        """Run ``action`` (one of BULK_ACTIONS; ``value``: the person, category or tag) on each
        mention: one audit event per mention changed, one transaction per ``batch`` mentions
        (short, so other desks never wait long for the write lock). A mention the action does
        not apply to (already closed, a colleague's...) is skipped with the reason; the others
        go on. ``progress(done, total)`` after each batch."""
        step = self._bulk_step(action, value)
        ids = list(dict.fromkeys(mention_ids))
        report = BulkReport(action=action, value=value)
        for start in range(0, len(ids), max(1, batch)):
            chunk = ids[start : start + max(1, batch)]
            with transaction(self.write_factory) as session:
                found = store.mentions_by_id(chunk, session=session)
                for mention_id in chunk:
                    mention = found.get(mention_id)
                    if mention is None:
                        report.skipped.append(
                            Skipped(mention_id, "mention_unknown", {"id": mention_id})
                        )
                        continue
                    try:
                        with session.begin_nested():  # a refusal undoes only this mention
                            step(session, mention)
                    except DeskError as exc:
                        report.skipped.append(Skipped(mention_id, exc.key or "", exc.params))
                        continue
                    report.done.append(mention_id)
            if progress is not None:
                progress(min(start + len(chunk), len(ids)), len(ids))
        return report

    def _bulk_step(self, action: str, value: str | None) -> Step:
        if action not in BULK_ACTIONS:
            raise ActionRefused.from_catalog(
                "bulk_unknown", action=action, actions=", ".join(BULK_ACTIONS)
            )
        needs = BULK_ACTIONS[action]
        if needs and not value:
            raise ActionRefused.from_catalog("bulk_needs_value", action=action, what=needs)
        given = value or ""
        if action == "assign":
            name = self._staff_name(given, receiver=True)
            return lambda session, mention: self._assign(session, mention, name)
        if action == "categorise":
            _check_category(given)
            return lambda session, mention: self._categorise(session, mention, given)
        if action == "tag":
            word = _check_tag(given)
            return lambda session, mention: self._tag(session, mention, word)
        steps: dict[str, Step] = {
            "claim": self._claim,
            "release": self._release,
            "close": lambda session, mention: self._close(session, mention, ""),
            "reopen": self._reopen,
            "spam": self._mark_spam,
        }
        return steps[action]

    # -- the steps ---------------------------------------------------------------------------
    def _assign(self, session: Session, mention: Mention, name: str) -> None:
        held_by_other = mention.assignee not in (None, self.actor.name)
        if held_by_other and not self.actor.is_supervisor:
            raise ActionRefused.from_catalog(
                "assigned_to_other", id=mention.id, name=mention.assignee
            )
        if mention.assignee == name:
            raise ActionRefused.from_catalog("already_assigned", id=mention.id, name=name)
        before = mention.assignee
        mention.assignee = name
        session.add(mention)
        self.record(
            session, Action.MENTION_ASSIGNED, mention_id=mention.id, to=name, previous=before
        )

    def _claim(self, session: Session, mention: Mention) -> None:
        if mention.assignee == self.actor.name:
            raise ActionRefused.from_catalog("already_yours", id=mention.id)
        if mention.assignee and not self.actor.is_supervisor:
            raise ActionRefused.from_catalog(
                "assigned_to_other", id=mention.id, name=mention.assignee
            )
        before = mention.assignee
        mention.assignee = self.actor.name
        session.add(mention)
        self.record(session, Action.MENTION_CLAIMED, mention_id=mention.id, previous=before)

    def _release(self, session: Session, mention: Mention) -> None:
        if mention.assignee != self.actor.name and not self.actor.is_supervisor:
            raise ActionRefused.from_catalog(
                "not_yours", id=mention.id, name=mention.assignee or "-"
            )
        if mention.assignee is None:
            raise ActionRefused.from_catalog("not_assigned", id=mention.id)
        before = mention.assignee
        mention.assignee = None
        session.add(mention)
        self.record(session, Action.MENTION_RELEASED, mention_id=mention.id, previous=before)

    def _categorise(self, session: Session, mention: Mention, category: str) -> None:
        if mention.category == category:
            raise ActionRefused.from_catalog("already_category", id=mention.id, category=category)
        before = mention.category
        mention.category = category
        session.add(mention)
        self.record(
            session,
            Action.MENTION_CATEGORISED,
            mention_id=mention.id,
            category=category,
            previous=before,
        )

    def _close(self, session: Session, mention: Mention, reason: str) -> None:
        if mention.status == MentionStatus.CLOSED:
            raise ActionRefused.from_catalog("already_closed", id=mention.id)
        mention.status = MentionStatus.CLOSED
        session.add(mention)
        self.record(session, Action.MENTION_CLOSED, mention_id=mention.id, reason=reason)

    def _reopen(self, session: Session, mention: Mention) -> None:
        if mention.status == MentionStatus.OPEN:
            raise ActionRefused.from_catalog("already_open", id=mention.id)
        mention.status = MentionStatus.OPEN
        session.add(mention)
        self.record(session, Action.MENTION_REOPENED, mention_id=mention.id)

    def _mark_spam(self, session: Session, mention: Mention) -> None:
        if mention.category == Category.SPAM and mention.status == MentionStatus.CLOSED:
            raise ActionRefused.from_catalog("already_spam", id=mention.id)
        before = mention.category
        mention.category = Category.SPAM
        mention.status = MentionStatus.CLOSED
        session.add(mention)
        self.record(session, Action.MENTION_MARKED_SPAM, mention_id=mention.id, previous=before)

    def _tag(self, session: Session, mention: Mention, word: str) -> None:
        tags = _tags_of(mention)
        if word in tags:
            raise ActionRefused.from_catalog("already_tagged", id=mention.id, tag=word)
        mention.tags = json.dumps([*tags, word], ensure_ascii=False)
        session.add(mention)
        self.record(session, Action.MENTION_TAGGED, mention_id=mention.id, tag=word)


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ActionRefused.from_catalog(
            "unknown_category", category=category, categories=Labels("tui.category", CATEGORIES)
        )


_TAG = re.compile(r"^[\w][\w.-]{0,39}$")


def _check_tag(tag: str) -> str:
    """A tag is one word (letters, digits, - . _), at most 40 characters; ``#`` is dropped."""
    word = tag.strip().lstrip("#").lower()
    if not _TAG.match(word):
        raise ActionRefused.from_catalog("bad_tag", tag=tag[:60])
    return word


def _tags_of(mention: Mention) -> list[str]:
    try:
        tags = json.loads(mention.tags or "[]")
    except ValueError:
        return []
    return [str(t) for t in tags] if isinstance(tags, list) else []
