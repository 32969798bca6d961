"""Builds everything a session of desk needs from settings: config, engine, services.

The CLI calls ``open_desk`` once and hands the result to a command or to the TUI. Nothing is
created at import time; tests build their own with a temporary database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypedDict

from sqlalchemy import Engine

from desk import db
from desk.answers.service import AnswerService
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.audit.export import ExportService
from desk.audit.retention import RetentionService
from desk.channels import pull as pulling
from desk.channels.ingest import IngestService
from desk.clock import Clock, utcnow
from desk.config import DeskConfig, Settings, load_config
from desk.db import store
from desk.db.tables import Staff
from desk.i18n import Catalog, choose_language
from desk.inbox import InboxService
from desk.queries import Queries
from desk.replies.approval import ApprovalService
from desk.replies.claims import ClaimService
from desk.replies.outbox import OutboxService
from desk.replies.service import ReplyService, live_senders
from desk.reports import ReportService
from desk.staff.identity import IdentityService
from desk.staff.service import MIRRORED, StaffService, mirror_values
from desk.triage import RuleSet
from desk.triage.service import TriageService, load_configured_rules
from desk.views import StaffView


@dataclass
class Desk:
    """One open desk: who is at the keyboard and the services they act through."""

    config: DeskConfig
    engine: Engine
    me: StaffView
    inbox: InboxService
    replies: ReplyService
    claims: ClaimService
    approvals: ApprovalService
    answers: AnswerService
    reports: ReportService
    exports: ExportService
    retention: RetentionService
    queries: Queries
    ingest: IngestService
    triage: TriageService
    staff: StaffService
    outbox: OutboxService
    identity: IdentityService
    catalog: Catalog
    clock: Clock
    """What time it is for this desk: every service was built with the same clock."""

    @cached_property
    def pull(self) -> pulling.PullService:
        """Pulling and watching the live ``[[channel]]``s (desk.channels.pull), built on first
        use."""
        return pulling.pull_service(self)

    @property
    def rules(self) -> RuleSet:
        """The triage rules in use."""
        return self.triage.rules

    def reload_rules(self) -> RuleSet:
        """Read the rule file again and use it for triage from now on (errors change nothing)."""
        rules = self.triage.reload()
        self.ingest.rules = rules
        return rules

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def _staff_values(config: DeskConfig) -> dict[str, dict[str, Any]]:
    return {p.name: mirror_values(p) for p in config.staff}


def staff_in_sync(config: DeskConfig, read_factory: db.SessionFactory) -> bool:
    """Whether the database's staff already match desk.toml (a read: no write lock); people
    no longer in desk.toml must be inactive."""
    wanted = _staff_values(config)
    with read_factory() as session:
        stored = {
            row.name: {k: getattr(row, k) for k in MIRRORED}
            for row in store.staff_rows(session=session).values()
            if row.active or row.name in wanted
        }
    return stored == wanted


def sync_staff(config: DeskConfig, factory: db.SessionFactory, clock: Clock = utcnow) -> None:
    """Mirror desk.toml's staff into the database, auditing every addition or change."""
    record = Recorder("system", clock)
    with db.transaction(factory) as session:
        existing = store.staff_rows(session=session)
        wanted = _staff_values(config)
        for person in config.staff:
            row = existing.pop(person.name, None)
            values = wanted[person.name]
            if row is None:
                session.add(Staff(name=person.name, **values))
                action = Action.STAFF_ADDED
            elif any(getattr(row, k) != v for k, v in values.items()):
                action = Action.STAFF_UPDATED
                if row.active != person.active:  # `active` flipped by hand in desk.toml
                    action = Action.STAFF_REACTIVATED if person.active else Action.STAFF_DEACTIVATED
                for key, value in values.items():
                    setattr(row, key, value)
                session.add(row)
            else:
                continue
            record(session, action, name=person.name, **values)
        for row in existing.values():
            if row.active:
                row.active = False
                session.add(row)
                record(session, Action.STAFF_DEACTIVATED, name=row.name)


class Sessions(TypedDict):
    """The write (``BEGIN IMMEDIATE``) and read session factories of one engine."""

    write_factory: db.SessionFactory
    read_factory: db.SessionFactory


class Acting(TypedDict):
    """Who acts, under which desk.toml, on which clock."""

    config: DeskConfig
    actor: StaffView
    clock: Clock


def open_desk(
    settings: Settings,
    *,
    as_name: str | None = None,
    clock: Clock = utcnow,
    config: DeskConfig | None = None,
) -> Desk:
    """Load config and rules, open (and upgrade) the database, and build the services."""
    config = config or load_config(settings.config_path())
    me = config.current_staff(as_name).view()
    rules = load_configured_rules(config)
    engine = db.make_engine(settings.db_url())
    db.upgrade(engine)
    write = db.write_session_factory(engine)
    read = db.session_factory(engine)
    if not staff_in_sync(config, read):
        sync_staff(config, write, clock)  # takes the write lock only when desk.toml changed
    # What every service of this session shares: its sessions, the desk.toml, who acts, when.
    sessions = Sessions(write_factory=write, read_factory=read)
    acting = Acting(config=config, actor=me, clock=clock)
    replies = ReplyService(**sessions, **acting, senders=live_senders(config))
    return Desk(
        config=config,
        engine=engine,
        me=me,
        inbox=InboxService(write_factory=write, **acting),
        replies=replies,
        claims=ClaimService(write_factory=write, **acting),
        approvals=ApprovalService(**sessions, **acting, replies=replies),
        answers=AnswerService(**sessions, **acting),
        reports=ReportService(read_factory=read, config=config, clock=clock),
        exports=ExportService(**sessions, **acting),
        retention=RetentionService(**sessions, **acting),
        queries=Queries(read_factory=read),
        ingest=IngestService(**sessions, config=config, rules=rules, actor=me.name, clock=clock),
        triage=TriageService(**sessions, config=config, rules=rules, actor=me.name, clock=clock),
        staff=StaffService(**sessions, **acting),
        outbox=OutboxService(**sessions, **acting),
        identity=IdentityService(write_factory=write, config=config, me=me, clock=clock),
        catalog=Catalog(choose_language(settings.lang, config.desk.language)),
        clock=clock,
    )
