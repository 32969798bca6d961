"""InboxService: the state of mentions. Every action is one transaction that also writes its
audit event: assign, hand over, take, release, categorise, close, reopen, mark spam.

The UI and the CLI call these methods and nothing else to change a mention; replies have their
own service (``desk.replies.service``). Each method raises a ``DeskError`` subclass with a message
for the user when the action is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.views import StaffView
from desk.vocabulary import CATEGORIES, Category, MentionStatus


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

    # -- assignment ------------------------------------------------------------------------
    def assign(self, mention_id: int, staff_name: str) -> None:
        """Give the mention to a named staff member."""
        name = self._staff_name(staff_name, receiver=True)
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            held_by_other = mention.assignee not in (None, self.actor.name)
            if held_by_other and not self.actor.is_supervisor:
                raise ActionRefused.from_catalog(
                    "assigned_to_other", id=mention_id, name=mention.assignee
                )
            if mention.assignee == name:
                raise ActionRefused.from_catalog("already_assigned", id=mention_id, name=name)
            before = mention.assignee
            mention.assignee = name
            session.add(mention)
            self.record(
                session, Action.MENTION_ASSIGNED, mention_id=mention.id, to=name, previous=before
            )

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

    def claim(self, mention_id: int) -> None:
        """Take the mention for yourself (refused if a colleague has it, unless you supervise)."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.assignee == self.actor.name:
                raise ActionRefused.from_catalog("already_yours", id=mention_id)
            if mention.assignee and not self.actor.is_supervisor:
                raise ActionRefused.from_catalog(
                    "assigned_to_other", id=mention_id, name=mention.assignee
                )
            before = mention.assignee
            mention.assignee = self.actor.name
            session.add(mention)
            self.record(session, Action.MENTION_CLAIMED, mention_id=mention.id, previous=before)

    def release(self, mention_id: int) -> None:
        """Give back a mention you hold, so it is unassigned."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.assignee != self.actor.name and not self.actor.is_supervisor:
                raise ActionRefused.from_catalog(
                    "not_yours", id=mention_id, name=mention.assignee or "-"
                )
            if mention.assignee is None:
                raise ActionRefused.from_catalog("not_assigned", id=mention_id)
            before = mention.assignee
            mention.assignee = None
            session.add(mention)
            self.record(session, Action.MENTION_RELEASED, mention_id=mention.id, previous=before)

    # -- state -----------------------------------------------------------------------------
    def categorise(self, mention_id: int, category: str) -> None:
        """Set the category by hand (overrides triage)."""
        if category not in CATEGORIES:
            raise ActionRefused.from_catalog(
                "unknown_category", category=category, categories=", ".join(CATEGORIES)
            )
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.category == category:
                raise ActionRefused.from_catalog(
                    "already_category", id=mention_id, category=category
                )
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

    def close(self, mention_id: int, reason: str = "") -> None:
        """Mark the mention done."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.status == MentionStatus.CLOSED:
                raise ActionRefused.from_catalog("already_closed", id=mention_id)
            mention.status = MentionStatus.CLOSED
            session.add(mention)
            self.record(session, Action.MENTION_CLOSED, mention_id=mention.id, reason=reason)

    def reopen(self, mention_id: int) -> None:
        """Put a closed mention back in the open queue."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.status == MentionStatus.OPEN:
                raise ActionRefused.from_catalog("already_open", id=mention_id)
            mention.status = MentionStatus.OPEN
            session.add(mention)
            self.record(session, Action.MENTION_REOPENED, mention_id=mention.id)

    def mark_spam(self, mention_id: int) -> None:
        """Categorise as spam and close, in one step."""
        with transaction(self.write_factory) as session:
            mention = store.get_mention(mention_id, session=session)
            if mention.category == Category.SPAM and mention.status == MentionStatus.CLOSED:
                raise ActionRefused.from_catalog("already_spam", id=mention_id)
            before = mention.category
            mention.category = Category.SPAM
            mention.status = MentionStatus.CLOSED
            session.add(mention)
            self.record(session, Action.MENTION_MARKED_SPAM, mention_id=mention.id, previous=before)
