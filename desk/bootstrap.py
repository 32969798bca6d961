"""Builds everything a session of desk needs from settings: config, engine, services.

The CLI calls ``open_desk`` once and hands the result to a command or to the TUI. Nothing is
created at import time; tests build their own with a temporary database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from desk import db
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig, Settings, load_config, os_user
from desk.db import policies, store
from desk.db.changes import ChangeFeed, watch
from desk.i18n import Catalog, choose_language
from desk.queries import Queries
from desk.staff import records
from desk.views import StaffView

if TYPE_CHECKING:  # each service is built, and its modules imported, on first use: a command
    # imports what it needs (``desk queue`` never loads httpx, the platforms, numpy...; issue 16)
    from desk.answers.service import AnswerService
    from desk.audit.checkpoints import CheckpointService
    from desk.audit.export import ExportService
    from desk.audit.retention import RetentionService
    from desk.channels.ingest import IngestService
    from desk.channels.pull import PullService
    from desk.crisis.report import CrisisReporter
    from desk.crisis.service import CrisisService
    from desk.crisis.state import CrisisState
    from desk.crisis.statement import StatementService
    from desk.inbox import InboxService
    from desk.replies.approval import ApprovalService
    from desk.replies.batches import BatchService
    from desk.replies.claims import ClaimService
    from desk.replies.outbox import OutboxService
    from desk.replies.service import ReplyService
    from desk.reports import ReportService
    from desk.saved_views import ViewService
    from desk.staff.identity import IdentityService
    from desk.staff.service import StaffService
    from desk.triage import RuleSet
    from desk.triage.service import TriageService


@dataclass
class Desk:
    """One open desk: who is at the keyboard and the services they act through."""

    config: DeskConfig
    engine: Engine
    me: StaffView
    write_factory: db.SessionFactory
    """Write sessions (``BEGIN IMMEDIATE`` on SQLite; desk.db.transaction commits)."""
    read_factory: db.SessionFactory
    catalog: Catalog
    clock: Clock
    """What time it is for this desk: every service is built with the same clock."""
    staff_drift: list[records.Drift] = field(default_factory=list)
    """How desk.toml differs from the staff records (reported; an admin applies it)."""
    approval_drift: list[records.Drift] = field(default_factory=list)
    """How desk.toml's ``[approval]`` differs from the recorded approval policy
    (desk.db.policies: reported; an admin applies it)."""
    _rules: RuleSet | None = field(default=None, repr=False)
    _rules_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def loaded_rules(self) -> RuleSet:
        """The triage rules read from the rule file, on first use (``rules``: those in use
        now). Parsing them costs ~20 ms that the queue's first paint does not need: the CLI
        reads them as it opens the desk for a command (desk.cli._shared.opened), the TUI just
        after its first paint. A RulesError raised here says what is wrong with the file; the
        next use reads it again."""
        with self._rules_lock:  # a worker thread may ask at the same time as the UI's
            if self._rules is None:
                from desk.triage.service import load_configured_rules  # numpy: on first use

                self._rules = load_configured_rules(self.config)
            return self._rules

    # -- the services, each built on first use (see the imports above) ---------------------
    def _acting(self) -> dict[str, Any]:
        """What most services share: the desk.toml, who acts, the clock."""
        return {"config": self.config, "actor": self.me, "clock": self.clock}

    def _sessions(self) -> dict[str, Any]:
        return {"write_factory": self.write_factory, "read_factory": self.read_factory}

    @cached_property
    def queries(self) -> Queries:
        """Reads for the queue, a mention, the audit log (desk.queries)."""
        return Queries(read_factory=self.read_factory)

    @cached_property
    def inbox(self) -> InboxService:
        """Assign, claim, close, tag... (desk.inbox)."""
        from desk.inbox import InboxService

        return InboxService(write_factory=self.write_factory, **self._acting())

    @cached_property
    def replies(self) -> ReplyService:
        """Writing and sending replies (desk.replies.service)."""
        from desk.replies.service import ReplyService, live_senders

        return ReplyService(**self._sessions(), **self._acting(), senders=live_senders(self.config))

    @cached_property
    def claims(self) -> ClaimService:
        """Who is replying to what (desk.replies.claims)."""
        from desk.replies.claims import ClaimService

        return ClaimService(write_factory=self.write_factory, **self._acting())

    @cached_property
    def approvals(self) -> ApprovalService:
        """The supervisor's side of replies (desk.replies.approval)."""
        from desk.replies.approval import ApprovalService

        return ApprovalService(**self._sessions(), **self._acting(), replies=self.replies)

    @cached_property
    def answers(self) -> AnswerService:
        """The answer library and its suggestions (desk.answers.service)."""
        from desk.answers.service import AnswerService

        return AnswerService(**self._sessions(), **self._acting())

    @cached_property
    def reports(self) -> ReportService:
        """The supervisor's figures (desk.reports)."""
        from desk.reports import ReportService

        return ReportService(**self._sessions(), **self._acting())

    @cached_property
    def exports(self) -> ExportService:
        """Provable extracts of the record (desk.audit.export)."""
        from desk.audit.export import ExportService

        return ExportService(**self._sessions(), **self._acting())

    @cached_property
    def checkpoints(self) -> CheckpointService:
        """The audit trail's heads written outside, and their proofs (desk.audit.checkpoints)."""
        from desk.audit.checkpoints import CheckpointService

        return CheckpointService(**self._sessions(), **self._acting())

    @cached_property
    def retention(self) -> RetentionService:
        """The retention purge (desk.audit.retention)."""
        from desk.audit.retention import RetentionService

        return RetentionService(**self._sessions(), **self._acting())

    @cached_property
    def ingest(self) -> IngestService:
        """Storing what the channels bring (desk.channels.ingest)."""
        from desk.channels.ingest import IngestService

        return IngestService(
            **self._sessions(),
            config=self.config,
            rules=self.triage.rules,
            actor=self.me.name,
            clock=self.clock,
        )

    @cached_property
    def triage(self) -> TriageService:
        """The rules in use, re-triage, review (desk.triage.service)."""
        from desk.triage.service import TriageService

        return TriageService(
            **self._sessions(),
            config=self.config,
            rules=self.loaded_rules,
            actor=self.me.name,
            supervisor=self.me.is_supervisor,
            clock=self.clock,
        )

    @cached_property
    def staff(self) -> StaffService:
        """The staff records and desk.toml's [[staff]] (desk.staff.service)."""
        from desk.staff.service import StaffService

        return StaffService(**self._sessions(), **self._acting())

    @cached_property
    def outbox(self) -> OutboxService:
        """Posting replies exactly once (desk.replies.outbox)."""
        from desk.replies.outbox import OutboxService

        return OutboxService(**self._sessions(), **self._acting())

    @cached_property
    def identity(self) -> IdentityService:
        """Passphrases and logins (desk.staff.identity)."""
        from desk.staff.identity import IdentityService

        return IdentityService(**self._sessions(), config=self.config, me=self.me, clock=self.clock)

    @cached_property
    def pull(self) -> PullService:
        """Pulling and watching the live ``[[channel]]``s (desk.channels.pull), built on first
        use."""
        from desk.channels.pull import pull_service

        return pull_service(self)

    @cached_property
    def crisis(self) -> CrisisService:
        """Crisis mode (desk.crisis): surges, clusters, one correction to many; built on first
        use."""
        from desk.crisis.service import CrisisService

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
    def statements(self) -> StatementService:
        """The official crisis statement (desk.crisis.statement), built on first use."""
        from desk.crisis.statement import StatementService

        return StatementService(
            write_factory=self.inbox.write_factory,
            read_factory=self.queries.read_factory,
            config=self.config,
            actor=self.me,
            clock=self.clock,
        )

    @cached_property
    def batches(self) -> BatchService:
        """Batches of replies approved once (desk.replies.batches), built on first use."""
        from desk.replies.batches import BatchService

        return BatchService(
            write_factory=self.inbox.write_factory,
            read_factory=self.queries.read_factory,
            config=self.config,
            actor=self.me,
            replies=self.replies,
            clock=self.clock,
        )

    @cached_property
    def crisis_state(self) -> CrisisState:
        """The declared crisis (desk.crisis.state): start, stop, status with the surges going
        on; built on first use."""
        from desk.crisis.state import CrisisState

        return CrisisState(
            write_factory=self.inbox.write_factory,
            read_factory=self.queries.read_factory,
            config=self.config,
            actor=self.me,
            clock=self.clock,
            surges=self.crisis.surges,
        )

    @cached_property
    def crisis_report(self) -> CrisisReporter:
        """The report of the current or last crisis (desk.crisis.report)."""
        from desk.crisis.report import CrisisReporter

        return CrisisReporter(
            read_factory=self.queries.read_factory,
            current=self.crisis_state.current,
            surges=self.crisis.surges,
            clusters=self.crisis.clusters,
            clock=self.clock,
        )

    @cached_property
    def saved_views(self) -> ViewService:
        """The queue's saved views and their counts (desk.saved_views), built on first use."""
        from desk.saved_views import ViewService

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

    def approval_policy(self) -> policies.ApprovalPolicy:
        """The approval policy in force: the recorded one (desk.db.policies), read now."""
        with self.read_factory() as session:
            return policies.in_force(self.config, session)

    def watch_changes(self) -> ChangeFeed:
        """The signal that another desk changed the database (desk.db.changes)."""
        return watch(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def open_desk(
    settings: Settings,
    *,
    as_name: str | None = None,
    clock: Clock = utcnow,
    config: DeskConfig | None = None,
) -> Desk:
    """Load the config, open (and upgrade) the database, and build the services (the triage
    rules are read on first use: ``Desk.loaded_rules``)."""
    config = config or load_config(settings.config_path())
    engine = db.make_engine(settings.db_url())
    db.upgrade(engine)
    write = db.write_session_factory(engine)
    read = db.session_factory(engine)
    with read() as session:  # who is who, who approves: the records, never desk.toml alone
        staff = store.staff_records(session=session)
        approval = policies.recorded_values(session)
    if records.first_opening_needed(staff, approval):
        # a new database, or one upgraded before logins or the approval policy were
        # recorded: the write lock
        with db.transaction(write) as session:
            records.first_opening(config, session, Recorder("system", clock))
        with read() as session:
            staff = store.staff_records(session=session)
            approval = policies.recorded_values(session)
    me = records.who_in(staff, as_name, os_user())
    staff_drift = records.drift_from(config, staff)
    approval_drift = records.approval_drift(config, approval)
    return Desk(
        config=config,
        engine=engine,
        me=me,
        write_factory=write,
        read_factory=read,
        catalog=Catalog(choose_language(settings.lang, config.desk.language)),
        clock=clock,
        staff_drift=staff_drift,
        approval_drift=approval_drift,
    )
