"""CrisisService: surges and clusters read from the queue, and one approved correction sent to
many through ReplyService.

Reads use the read session factory (never the write lock). ``answer`` writes nothing itself: each
reply is ``ReplyService.send`` — the approval policy, the one-voice guard, the outbox and the
reply's audit events all apply, one mention at a time — with the idempotency key
``crisis:<answer>:<mention>``, so a batch run again after a crash (or a Ctrl-C) returns the
replies already written instead of writing them twice, and goes on with the rest.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from desk.answers.service import AnswerService
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.config.secrets import resolve
from desk.crisis.alerts import Delivery, Sent, chain, deliver, next_person, surge_key
from desk.crisis.clusters import Cluster, Post, clusters
from desk.crisis.plan import (
    BUDGETS,
    DEFAULT_BUDGET,
    Budget,
    Plan,
    Skip,
    Target,
    budget_for,
    plan,
)
from desk.crisis.state import Declaration
from desk.crisis.surge import SENSITIVITIES, WEEK_BUCKETS, SurgeView, surges_by_topic
from desk.db import SessionFactory, store, transaction
from desk.db.tables import Answer, AuditEvent, Mention, Reply
from desk.errors import DeskError, NotFound
from desk.i18n import Catalog, Labels
from desk.replies.outbox import fault_point
from desk.replies.service import ReplyService
from desk.triage.routing import Router
from desk.vocabulary import MAYBE_PUBLISHED, MentionStatus, ReplyStatus

CRISIS_WINDOW = timedelta(days=3)
"""One reply per author per crisis: an author reached by any batch this recently, or since the
declared crisis began (``desk crisis start``) when that is earlier, is not answered again."""


def crisis_since(session: Any, now: datetime) -> datetime:
    """Since when a batch counts as "this crisis": the declaration going on — or the window,
    when that reaches further back (batches sent in the hours before ``desk crisis start``
    belong to the same bad day)."""
    window = now - CRISIS_WINDOW
    record = store.crisis_record(session=session)
    declared = Declaration.from_record(record) if record else None
    if declared is not None and declared.declared:
        return min(window, declared.since)
    return window


MAX_OPEN = 50_000
"""Open mentions clustered at most (the newest): a crisis queue, not the archive."""


@dataclass
class AnswerReport:
    """What ``answer`` did: replies written (by mention), and mentions skipped with the reason."""

    answer: str
    sent: dict[int, int] = field(default_factory=dict)
    """mention id -> reply id."""
    statuses: dict[int, str] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)
    params: dict[int, dict[str, Any]] = field(default_factory=dict)
    """The details of a skip refused by ReplyService (the catalog's values)."""


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """One alert sent now: the surge's key, to whom, the how-manieth for it, each contact."""

    key: str
    person: str
    level: int
    deliveries: list[Delivery]

    def to_json(self) -> dict[str, object]:
        """The plain JSON form."""
        return {
            "key": self.key,
            "to": self.person,
            "level": self.level,
            "deliveries": [
                {"contact": d.contact, "ok": d.ok, "error": d.error} for d in self.deliveries
            ],
        }


@dataclass(kw_only=True)
class CrisisService:
    """Crisis mode for one desk session (``replies``: as the person at the keyboard)."""

    read_factory: SessionFactory
    config: DeskConfig
    replies: ReplyService
    answers: AnswerService
    clock: Clock = utcnow
    sleep: Callable[[float], None] = time.sleep
    write_factory: SessionFactory | None = None  # alerts and acknowledgements are recorded
    actor: str = "system"
    budgets: Mapping[str, Budget] | None = None  # per platform; None: desk.crisis.plan.BUDGETS

    def __post_init__(self) -> None:
        self.record = Recorder(self.actor, self.clock)

    # -- surges ------------------------------------------------------------------------------
    def surges(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        sensitivity: str = "normal",
        with_clusters: bool = True,
    ) -> list[SurgeView]:
        """Surges per topic (``all``, ``tag:WORD``, ``rule:NAME``, ``cluster:ID``) on the
        mentions' own times; ``since``/``until`` bound where surges start (the baseline reads
        the 7 days before ``since``)."""
        lower = since - WEEK_BUCKETS * timedelta(minutes=5) if since is not None else None
        query = select(Mention.id, Mention.created_at, Mention.tags, Mention.triage_rules)
        if lower is not None:
            query = query.where(col(Mention.created_at) >= lower)
        if until is not None:
            query = query.where(col(Mention.created_at) < until)
        with self.read_factory() as session:
            rows = session.exec(query).all()
        in_cluster: dict[int, str] = {}
        if with_clusters:
            for cluster in self.clusters(min_size=3):
                for member in cluster.mention_ids:
                    in_cluster[member] = f"cluster:{cluster.id}"
        events = []
        for mid, created, tags, rules in rows:
            topics = ["all"]
            topics += [f"tag:{t}" for t in store.json_list(tags)]
            topics += [f"rule:{r}" for r in store.json_list(rules)]
            if mid in in_cluster:
                topics.append(in_cluster[mid])
            events.append((as_utc(created), topics))
        return surges_by_topic(
            events, since=since, until=until, sensitivity=SENSITIVITIES[sensitivity]
        )

    # -- clusters ----------------------------------------------------------------------------
    def clusters(
        self, *, since: datetime | None = None, open_only: bool = True, min_size: int = 2
    ) -> list[Cluster]:
        """Mentions that say the same thing, largest group first."""
        query = sa.select(
            col(Mention.id),
            col(Mention.text),
            col(Mention.author_handle),
            col(Mention.language),
            col(Mention.created_at),
        )
        if open_only:
            query = query.where(col(Mention.status) == MentionStatus.OPEN)
        if since is not None:
            query = query.where(col(Mention.created_at) >= since)
        query = query.order_by(col(Mention.created_at).desc()).limit(MAX_OPEN)
        with self.read_factory() as session:
            rows = session.execute(query).all()
        posts = [
            Post(id=mid, text=text, author=author, language=lang, created_at=as_utc(created))
            for mid, text, author, lang, created in rows
            if mid is not None
        ]
        return clusters(posts, now=self.clock(), min_size=min_size)

    def cluster(self, cluster_id: int) -> Cluster:
        """The open cluster whose id (its first mention) is ``cluster_id``."""
        for found in self.clusters():
            if found.id == cluster_id:
                return found
        raise NotFound.from_catalog("crisis_cluster_unknown", id=cluster_id)

    # -- one correction to many --------------------------------------------------------------
    def plan(
        self, mention_ids: Sequence[int], answer_name: str, *, session: Session | None = None
    ) -> Plan:
        """Who would get ``answer_name`` among ``mention_ids`` (desk.crisis.plan's rules), read
        in ``session`` when given (a batch plans inside its own write transaction)."""
        self.answers.named(answer_name, None)  # NotFound: said before anything is planned
        if session is not None:
            return self._plan(session, mention_ids, answer_name)
        with self.read_factory() as reader:
            return self._plan(reader, mention_ids, answer_name)

    def _plan(self, session: Session, mention_ids: Sequence[int], answer_name: str) -> Plan:
        now = self.clock()
        ids = list(dict.fromkeys(mention_ids))
        found = store.mentions_by_id(ids, session=session)
        answered = set(
            session.exec(
                select(Reply.mention_id).where(
                    col(Reply.mention_id).in_(ids),
                    col(Reply.status).in_([*MAYBE_PUBLISHED, ReplyStatus.PENDING_APPROVAL]),
                )
            ).all()
        )
        answer_ids = session.exec(select(Answer.id).where(Answer.name == answer_name)).all()
        reached = session.exec(
            select(Mention.author_handle)
            .join(Reply, col(Reply.mention_id) == col(Mention.id))
            .where(
                sa.or_(
                    col(Reply.answer_id).in_(list(answer_ids)),
                    # one reply per author per crisis: any batch since it began
                    sa.and_(
                        col(Reply.batch_id).is_not(None),
                        col(Reply.created_at) >= crisis_since(session, now),
                    ),
                ),
                col(Reply.status).in_([*MAYBE_PUBLISHED, ReplyStatus.PENDING_APPROVAL]),
            )
        ).all()
        used: dict[str, int] = {}
        for platform in {m.platform for m in found.values()}:
            window = self.budget(platform).window
            used[platform] = session.exec(
                select(sa.func.count())
                .select_from(Reply)
                .join(Mention, col(Reply.mention_id) == col(Mention.id))
                .where(
                    Mention.platform == platform,
                    col(Reply.created_at) >= now - window,
                    sa.or_(
                        col(Reply.status).in_(
                            [ReplyStatus.SENT, ReplyStatus.QUEUED, ReplyStatus.SENDING]
                        ),
                        # another batch waiting for approval will use the window too
                        sa.and_(
                            col(Reply.batch_id).is_not(None),
                            col(Reply.status) == ReplyStatus.PENDING_APPROVAL,
                        ),
                    ),
                )
            ).one()
        targets: list[Target] = []
        missing: list[Skip] = []
        for mid in ids:
            mention = found.get(mid)
            if mention is None:
                missing.append(Skip(mid, "unknown"))
                continue
            targets.append(
                Target(
                    id=mid,
                    platform=mention.platform,
                    author=mention.author_handle,
                    kind=mention.kind,
                    open=mention.status == MentionStatus.OPEN,
                    answered=mid in answered,
                )
            )
        chosen = plan(targets, reached=reached, used=used, budgets=self._budgets())
        chosen.skipped[:0] = missing
        return chosen

    def _budgets(self) -> Mapping[str, Budget]:
        return self.budgets if self.budgets is not None else BUDGETS

    def budget(self, platform: str) -> Budget:
        """The budget of batch replies on ``platform`` (``budgets``, else desk.crisis.plan's)."""
        return self._budgets().get(platform, DEFAULT_BUDGET)

    def answer(
        self,
        chosen: Plan,
        answer_name: str,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> AnswerReport:
        """Send ``answer_name`` (in each mention's language) to the planned mentions, one signed
        reply each through ReplyService; live replies spaced by their platform's budget."""
        report = AnswerReport(answer=answer_name, skipped=list(chosen.skipped))
        next_live: dict[str, datetime] = {}
        total = len(chosen.send)
        for done, target in enumerate(chosen.send, start=1):
            wait = next_live.get(target.platform)
            if wait is not None and wait > self.clock():
                self.sleep((wait - self.clock()).total_seconds())
            try:
                language = self._language(target.id)
                version = self.answers.named(answer_name, language)
                text = self.answers.render_for(target.id, version)
                sent = self.replies.send(
                    target.id,
                    text,
                    answer_id=version.id,
                    idempotency_key=f"crisis:{answer_name}:{target.id}",
                )
            except DeskError as exc:
                report.skipped.append(Skip(target.id, exc.key or "refused"))
                # as JSON can hold them: words of the catalog (Labels) as their keys
                report.params[target.id] = {
                    k: str(v) if isinstance(v, Labels) else v for k, v in exc.params.items()
                }
            else:
                report.sent[target.id] = sent.id
                report.statuses[target.id] = str(sent.status)
                fault_point("crisis_reply")  # crash tests: killed between two replies
                if sent.status == ReplyStatus.QUEUED:  # a live channel: paced
                    next_live[target.platform] = self.clock() + budget_for(target.platform).spacing
            if progress is not None:
                progress(done, total)
        return report

    def _language(self, mention_id: int) -> str | None:
        with self.read_factory() as session:
            return store.get_mention(mention_id, session=session).language

    # -- out-of-hours alerts -----------------------------------------------------------------
    def alert(self) -> list[AlertOutcome]:
        """Outside business hours, tell the on-call person of each surge going on (within
        ``[oncall.alerts] recent_minutes``), or the next person in the chain when the last alert
        is ``escalate_after_minutes`` old and nobody acknowledged; each alert recorded. Run it
        every few minutes (cron, or beside ``desk watch``)."""
        now = self.clock()
        settings = self.config.oncall.alerts
        if self.config.hours.calendar().facts(now).business_hours:
            return []
        recent = now - timedelta(minutes=settings.recent_minutes)
        going_on = [
            surge
            for surge in self.surges(
                since=now - timedelta(days=1), until=now, sensitivity=settings.sensitivity
            )
            if surge.end >= recent
        ]
        if not going_on:
            return []
        history = self.alert_history(since=now - timedelta(days=2))
        people = chain(self.config, Router(self.config).on_call(now))
        token = resolve(settings.push_token).reveal() if settings.push_token else None
        catalog = Catalog(self.config.desk.language or "fr")
        zone = self.config.hours.calendar()
        outcomes: list[AlertOutcome] = []
        for surge in going_on:
            key = surge_key(surge)
            sent, acknowledged = history.get(key, ([], False))
            person = next_person(
                people,
                sent,
                acknowledged=acknowledged,
                now=now,
                escalate_after=timedelta(minutes=settings.escalate_after_minutes),
            )
            if person is None:
                continue
            values = {
                "topic": surge.topic,
                "total": surge.total,
                "usual": f"{surge.usual:.1f}",
                "since": f"{zone.local(surge.start):%Y-%m-%d %H:%M}",
                "surge": key,
            }
            deliveries = deliver(
                settings.contacts.get(person, []),
                catalog.t("crisis.alert.subject", **values),
                catalog.t("crisis.alert.body", **values),
                smtp=settings.smtp,
                sender=settings.sender,
                push_token=token,
            )
            level = len(sent) + 1
            with transaction(self._writes()) as session:
                self.record(
                    session,
                    Action.CRISIS_ALERT_SENT,
                    key=key,
                    topic=surge.topic,
                    to=person,
                    level=level,
                    count=surge.total,
                    usual=round(surge.usual, 1),
                    delivered=[d.contact for d in deliveries if d.ok],
                    failed={d.contact: d.error for d in deliveries if not d.ok},
                )
            outcomes.append(AlertOutcome(key, person, level, deliveries))
        return outcomes

    def acknowledge(self, key: str) -> None:
        """Say a surge's alert was seen (stops its escalation); recorded with who."""
        history = self.alert_history(since=self.clock() - timedelta(days=7))
        if key not in history:
            raise NotFound.from_catalog("crisis_alert_unknown", alert=key)
        with transaction(self._writes()) as session:
            self.record(session, Action.CRISIS_ALERT_ACKNOWLEDGED, key=key)

    def alert_history(self, *, since: datetime) -> dict[str, tuple[list[Sent], bool]]:
        """Per surge key: the alerts sent, and whether one was acknowledged (the audit trail)."""
        actions = [Action.CRISIS_ALERT_SENT, Action.CRISIS_ALERT_ACKNOWLEDGED]
        query = (
            select(AuditEvent)
            .where(col(AuditEvent.action).in_(actions), col(AuditEvent.at) >= since)
            .order_by(col(AuditEvent.seq))
        )
        found: dict[str, tuple[list[Sent], bool]] = {}
        with self.read_factory() as session:
            for event in session.exec(query).all():
                data = json.loads(event.data or "{}")
                key = str(data.get("key", ""))
                sent, acknowledged = found.get(key, ([], False))
                if event.action == Action.CRISIS_ALERT_SENT:
                    sent.append(Sent(str(data.get("to", "")), as_utc(event.at)))
                else:
                    acknowledged = True
                found[key] = (sent, acknowledged)
        return found

    def _writes(self) -> SessionFactory:
        if self.write_factory is None:
            raise RuntimeError("CrisisService was built without a write session factory")
        return self.write_factory
