"""Builds everything a session of desk needs from settings: config, engine, services.

The CLI calls ``open_desk`` once and hands the result to a command or to the TUI. Nothing is
created at import time; tests build their own with a temporary database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TypedDict

from sqlalchemy import Engine

from desk import db
from desk.answers.service import AnswerService
from desk.audit.chain import Recorder
from desk.audit.export import ExportService
from desk.audit.retention import RetentionService
from desk.channels import pull as pulling
from desk.channels.ingest import IngestService
from desk.clock import Clock, utcnow
from desk.config import DeskConfig, Settings, load_config, os_user
from desk.crisis.service import CrisisService
from desk.db.changes import ChangeFeed, watch
from desk.i18n import Catalog, choose_language
from desk.inbox import InboxService
from desk.queries import Queries
from desk.replies.approval import ApprovalService
from desk.replies.claims import ClaimService
from desk.replies.outbox import OutboxService
from desk.replies.service import ReplyService, live_senders
from desk.reports import ReportService
from desk.saved_views import ViewService
from desk.staff import records
from desk.staff.identity import IdentityService
from desk.staff.service import StaffService
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
    staff_drift: list[records.Drift] = field(default_factory=list)
    """How desk.toml differs from the staff records (reported; an admin applies it)."""

    @cached_property
    def pull(self) -> pulling.PullService:
        """Pulling and watching the live ``[[channel]]``s (desk.channels.pull), built on first
        use."""
        return pulling.pull_service(self)

    @cached_property
    def crisis(self) -> CrisisService:
        """Crisis mode (desk.crisis): surges, clusters, one correction to many; built on first
        use."""
        return CrisisService(
            read_factory=self.queries.read_factory,
            config=self.config,
            replies=self.replies,
            answers=self.answers,
            clock=self.clock,
            write_factory=self.inbox.write_factory,
            actor=self.me.name,
        )

    @cached_property
    def saved_views(self) -> ViewService:
        """The queue's saved views and their counts (desk.saved_views), built on first use."""
        return ViewService(
            queries=self.queries,
            config=self.config,
            me=self.me,
            clock=self.clock,
            catalog=self.catalog,
        )

    @property
    def rules(self) -> RuleSet:
        """The triage rules in use."""
        return self.triage.rules

    def reload_rules(self) -> RuleSet:
        """Read the rule file again and use it for triage from now on (errors change nothing)."""
        rules = self.triage.reload()
        self.ingest.rules = rules
        return rules

    def watch_changes(self) -> ChangeFeed:
        """The signal that another desk changed the database (desk.db.changes)."""
        return watch(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


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
    rules = load_configured_rules(config)
    engine = db.make_engine(settings.db_url())
    db.upgrade(engine)
    write = db.write_session_factory(engine)
    read = db.session_factory(engine)
    with read() as session:
        first = records.needs_first_opening(session)
    if first:  # a new database, or one upgraded before logins were recorded: the write lock
        with db.transaction(write) as session:
            records.first_opening(config, session, Recorder("system", clock))
    with read() as session:  # who is who: the staff records, never desk.toml alone
        me = records.who(session, as_name, os_user())
        staff_drift = records.drift(config, session)
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
        triage=TriageService(
            **sessions,
            config=config,
            rules=rules,
            actor=me.name,
            supervisor=me.is_supervisor,
            clock=clock,
        ),
        staff=StaffService(**sessions, **acting),
        outbox=OutboxService(**sessions, **acting),
        identity=IdentityService(**sessions, config=config, me=me, clock=clock),
        catalog=Catalog(choose_language(settings.lang, config.desk.language)),
        clock=clock,
        staff_drift=staff_drift,
    )
