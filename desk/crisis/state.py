"""A declared crisis: ``desk crisis start --reason`` / ``stop`` / ``status`` (supervisors).

Where the state lives, and why: the ``routing_state`` row ``crisis`` (desk.db.store.CRISIS_KEY)
holds the declaration — declared or not, since when, by whom, why, the audit event that declared
it, and when and by whom it stopped — written in the same transaction as its audit event
(``crisis.started``/``crisis.stopped``), so the record and the state cannot disagree. No schema
change. Deriving the state from the trail alone would mean finding the last ``crisis.*`` event,
and ``audit_events.action`` has no index: each reply sent and each banner refresh would scan the
trail back to the last crisis (the whole trail on a desk that never had one); the row is one
primary-key read. It also outlives a retention purge of the trail. The row keeps the last
crisis after ``stop``: the crisis report reads it.

While a crisis is declared, ReplyService applies the ``[approval] crisis`` policy
(desk.replies.policy; ``crisis_free_text``: every reply waits for a supervisor unless it is an
unedited pre-approved library answer). Starting a second crisis, or stopping none, is refused
with what is going on. Two desks starting at once: the write lock orders them and the second is
refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from desk.audit.actions import Action
from desk.audit.chain import Recorder, head
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.crisis.surge import SurgeView
from desk.db import SessionFactory, store, transaction
from desk.errors import ActionRefused, InputError, PermissionDenied
from desk.text.safe import clean
from desk.views import StaffView

MAX_REASON = 300
"""A reason is a line people read in a banner and a report, not a statement."""

SurgeReader = Callable[..., list[SurgeView]]
"""CrisisService.surges (keywords ``since``, ``until``, ``sensitivity``, ``with_clusters``)."""


def clean_reason(reason: str) -> str:
    """The reason as recorded: one line, controls shown as symbols, spaces collapsed. Refused
    (InputError) when empty or longer than MAX_REASON characters."""
    text = " ".join(clean(reason or "", one_line=True).split())
    if not text:
        raise InputError.from_catalog("crisis_reason_missing")
    if len(text) > MAX_REASON:
        raise InputError.from_catalog("crisis_reason_long", n=len(text), max=MAX_REASON)
    return text


@dataclass(frozen=True, slots=True)
class Declaration:
    """A crisis as declared: going on (``declared``) or the last one, stopped."""

    declared: bool
    since: datetime
    by: str
    reason: str
    event: int
    """The seq of its ``crisis.started`` audit event."""
    stopped_at: datetime | None = None
    stopped_by: str | None = None

    def end(self, now: datetime) -> datetime:
        """When it stopped, or ``now`` while it goes on."""
        return self.stopped_at if self.stopped_at is not None else now

    def to_record(self) -> dict[str, Any]:
        """The stored (and JSON) form."""
        return {
            "declared": self.declared,
            "since": self.since.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "event": self.event,
            "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
            "stopped_by": self.stopped_by,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Declaration | None:
        """Read back ``to_record``'s form (None when the row is damaged)."""
        try:
            stopped = record.get("stopped_at")
            return cls(
                declared=bool(record["declared"]),
                since=as_utc(datetime.fromisoformat(str(record["since"]))),
                by=str(record["by"]),
                reason=str(record["reason"]),
                event=int(record.get("event") or 0),
                stopped_at=as_utc(datetime.fromisoformat(str(stopped))) if stopped else None,
                stopped_by=record.get("stopped_by"),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class CrisisStatus:
    """What every desk shows: the declaration (current or last) and the surges going on."""

    declaration: Declaration | None
    surges: tuple[SurgeView, ...] = ()

    @property
    def declared(self) -> bool:
        """Whether a crisis is declared now."""
        return self.declaration is not None and self.declaration.declared

    def to_json(self) -> dict[str, Any]:
        """``desk crisis status --json``."""
        last = self.declaration
        return {
            "declared": self.declared,
            "crisis": last.to_record() if last is not None else None,
            "surges": [s.to_json() for s in self.surges],
        }


@dataclass(kw_only=True)
class CrisisState:
    """Declare, end and read the crisis, as ``actor``; ``surges`` finds the surges going on."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow
    surges: SurgeReader | None = None
    record: Recorder = field(init=False)

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor.name, self.clock)

    def current(self) -> Declaration | None:
        """The crisis going on, or the last one (``declared`` False), or None (never)."""
        with self.read_factory() as session:
            record = store.crisis_record(session=session)
        return Declaration.from_record(record) if record else None

    def _require_supervisor(self) -> None:
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("crisis_forbidden")

    def start(self, reason: str) -> Declaration:
        """Declare a crisis (audited ``crisis.started`` with the reason); refused when one is
        already declared, saying since when, by whom and why."""
        self._require_supervisor()
        text = clean_reason(reason)
        zone = self.config.hours.calendar()
        with transaction(self.write_factory) as session:
            record = store.crisis_record(session=session)
            going = Declaration.from_record(record) if record else None
            if going is not None and going.declared:
                raise ActionRefused.from_catalog(
                    "crisis_already",
                    since=f"{zone.local(going.since):%Y-%m-%d %H:%M}",
                    by=going.by,
                    reason=going.reason,
                )
            now = self.clock()
            self.record(session, Action.CRISIS_STARTED, reason=text, at=now)
            declared = Declaration(
                declared=True, since=now, by=self.actor.name, reason=text, event=head(session)[0]
            )
            store.save_crisis_record(declared.to_record(), session=session)
        return declared

    def stop(self) -> Declaration:
        """End the crisis (audited ``crisis.stopped``, with how long it lasted); refused when
        none is declared."""
        self._require_supervisor()
        with transaction(self.write_factory) as session:
            record = store.crisis_record(session=session)
            going = Declaration.from_record(record) if record else None
            if going is None or not going.declared:
                raise ActionRefused.from_catalog("crisis_none")
            now = self.clock()
            self.record(
                session,
                Action.CRISIS_STOPPED,
                at=now,
                started=going.since.isoformat(),
                started_event=going.event,
                minutes=round((now - going.since).total_seconds() / 60),
            )
            stopped = Declaration(
                declared=False,
                since=going.since,
                by=going.by,
                reason=going.reason,
                event=going.event,
                stopped_at=now,
                stopped_by=self.actor.name,
            )
            store.save_crisis_record(stopped.to_record(), session=session)
        return stopped

    def status(self, *, with_surges: bool = True) -> CrisisStatus:
        """The declaration and, with ``with_surges``, the surges going on now (those still
        rising within ``[oncall.alerts] recent_minutes``, at its sensitivity, over the last
        day; clusters left out: a banner refreshes often)."""
        now = self.clock()
        found: tuple[SurgeView, ...] = ()
        if with_surges and self.surges is not None:
            settings = self.config.oncall.alerts
            recent = now - timedelta(minutes=settings.recent_minutes)
            found = tuple(
                s
                for s in self.surges(
                    since=now - timedelta(days=1),
                    until=now,
                    sensitivity=settings.sensitivity,
                    with_clusters=False,
                )
                if s.end >= recent
            )
        return CrisisStatus(self.current(), active(found))


TOPIC_ORDER = ("tag:", "rule:", "cluster:")
"""The banner's order: a tag first (its mentions are one queue filter away), ``all`` last
(every surge raises it too)."""


def _rank(topic: str) -> int:
    return next((i for i, p in enumerate(TOPIC_ORDER) if topic.startswith(p)), len(TOPIC_ORDER))


def active(surges: tuple[SurgeView, ...] | list[SurgeView]) -> tuple[SurgeView, ...]:
    """The surges a banner shows, in TOPIC_ORDER, the most recent start first, each topic
    once."""
    seen: set[str] = set()
    ordered = []
    for s in sorted(surges, key=lambda v: (_rank(v.topic), -v.start.timestamp(), v.topic)):
        if s.topic not in seen:
            seen.add(s.topic)
            ordered.append(s)
    return tuple(ordered)
