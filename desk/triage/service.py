"""TriageService: reload the rules, re-triage stored mentions (audited), explain a decision.

Re-triage changes category, priority, tags, the approval flag and the suggested answer of open
mentions, and closes those a rule now marks as spam; it routes mentions nobody has yet, and never
takes an item from the person who has it (``desk handover`` does that). Each changed mention gets
one ``mention.retriaged`` event, with what changed, in the same transaction as the change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.db.tables import AuditEvent, Channel, Mention
from desk.errors import PermissionDenied
from desk.triage import Known, RuleSet, load_rules
from desk.triage.conditions import normalise_handle
from desk.triage.engine import Decision
from desk.triage.explain import summary
from desk.triage.language import Detected
from desk.triage.pipeline import Incoming, SurgeWatch, Triage
from desk.triage.routing import Router
from desk.triage.rules import Surge
from desk.vocabulary import PRIORITY_NAMES, MentionStatus

CHUNK = 500
Progress = Callable[[int, int], None]


def known_names(config: DeskConfig) -> Known:
    """What a rule file may name, from desk.toml: staff, teams and author lists."""
    return Known(
        staff=frozenset(s.name for s in config.staff),
        teams=frozenset(t.name for t in config.team),
        lists={n: frozenset(normalise_handle(h) for h in hs) for n, hs in config.lists.items()},
    )


def load_configured_rules(config: DeskConfig) -> RuleSet:
    """The rules desk.toml points at (the bundled default pack when it names none)."""
    return load_rules(config.rules_path(), known_names(config))


def incoming_of(mention: Mention, channel: str = "") -> Incoming:
    """The triage input of a stored mention."""
    return Incoming(
        text=mention.text,
        title=mention.title,
        created_at=as_utc(mention.created_at),
        platform=mention.platform,
        language=mention.language,
        channel=channel,
        kind=mention.kind,
        author=mention.author_handle,
        author_name=mention.author_name,
    )


@dataclass
class RetriageReport:
    """How many mentions were looked at and how many changed."""

    seen: int = 0
    changed: int = 0


@dataclass(kw_only=True)
class TriageService:
    """Rules in use, and the actions that apply them to stored mentions."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    rules: RuleSet
    actor: str = "system"
    supervisor: bool = True  # whether the actor may re-triage (as the staff records say)
    clock: Clock = utcnow

    def reload(self) -> RuleSet:
        """Read the rule file again; on error the rules in use stay as they were."""
        self.rules = load_configured_rules(self.config)
        return self.rules

    def explain(self, mention_id: int) -> tuple[Mention, dict[str, Any], dict[str, Any]]:
        """The stored decision of a mention and what the current rules would decide."""
        with self.read_factory() as session:
            mention = store.get_mention(mention_id, session=session)
            stored = store.json_object(mention.triage_detail)
            channel = _channel_name(session, mention.channel_id)
            router = Router(self.config, loads=store.open_loads(session=session))
            session.expunge(mention)
        triage = _without_surge(Triage(self.rules, self.config, router=router))
        now = triage.decide(incoming_of(mention, channel), language=_stored_language(stored))
        _keep_surge(now, stored)  # as re-triage would decide it
        return mention, stored, now.detail()

    def retriage(
        self, *, include_closed: bool = False, progress: Progress | None = None
    ) -> RetriageReport:
        """Apply the current rules to stored mentions (open ones unless ``include_closed``).

        Supervisors only (enforced here, not just in the CLI and the UI)."""
        if not self.supervisor:
            raise PermissionDenied.from_catalog("rerun_forbidden")
        report = RetriageReport()
        now = self.clock()  # work handed out now goes to who is there now
        with self.read_factory() as session:
            query = select(col(Mention.id)).order_by(col(Mention.id))
            if not include_closed:
                query = query.where(Mention.status == MentionStatus.OPEN)
            # a stored mention's id is never None (the model's type allows it before insert)
            ids = [i for i in session.exec(query).all() if i is not None]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            with transaction(self.write_factory) as session:
                router = Router(
                    self.config,
                    loads=store.open_loads(session=session),
                    turns=store.routing_turns(session=session),
                )
                triage = _without_surge(Triage(self.rules, self.config, router=router))
                by_hand = _decided_by_hand(session, chunk)
                channels: dict[int, str] = {}
                for mention_id in chunk:
                    mention = session.get(Mention, mention_id)
                    if mention is None:
                        continue
                    if mention.channel_id not in channels:
                        channels[mention.channel_id] = _channel_name(session, mention.channel_id)
                    report.seen += 1
                    if self._apply(
                        session,
                        triage,
                        mention,
                        channels[mention.channel_id],
                        by_hand.get(mention_id, set()),
                        now,
                    ):
                        report.changed += 1
                store.save_routing_turns(router.turns, session=session)
            if progress:
                progress(min(start + CHUNK, len(ids)), len(ids))
        return report

    def _apply(
        self,
        session: Session,
        triage: Triage,
        mention: Mention,
        channel: str,
        by_hand: set[str],
        now: datetime,
    ) -> bool:
        unassigned = (
            mention.assignee is None and mention.status == MentionStatus.OPEN
        )  # closed: nobody's work
        stored = store.json_object(mention.triage_detail)
        decision = triage.decide(
            incoming_of(mention, channel),
            route=unassigned,
            language=_stored_language(stored),
            route_at=now,
        )
        _keep_surge(decision, stored)
        if not unassigned:
            decision.route = stored.get("route") or {}  # who has it is not triage's to change
        if by_hand & _SET_CATEGORY:  # a person's category is not the rules' to change
            decision.category, decision.category_rule = mention.category, None
        before = _fields(mention)
        mention.category = decision.category
        mention.priority = decision.priority
        mention.tags = json.dumps(list(decision.tags))
        mention.needs_approval = decision.needs_approval
        mention.suggested_answer = decision.suggest
        if (
            decision.spam and mention.status == MentionStatus.OPEN and not by_hand
        ):  # a person decided
            mention.status = MentionStatus.CLOSED
        if unassigned:
            mention.assignee = decision.assignee
        after = _fields(mention)
        if before == after:
            return False
        detail = decision.detail()
        mention.triage_detail = json.dumps(detail, ensure_ascii=False)
        mention.triage_reason = summary(detail)
        mention.triage_rules = json.dumps(list(decision.rules))
        session.add(mention)
        changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
        Recorder(self.actor, self.clock)(
            session,
            Action.MENTION_RETRIAGED,
            mention_id=mention.id,
            changes=changes,
            rules=list(decision.rules),
            source=self.rules.source,
        )
        return True


_SET_CATEGORY = {Action.MENTION_CATEGORISED, Action.MENTION_MARKED_SPAM}


def _decided_by_hand(session: Session, mention_ids: list[int]) -> dict[int, set[str]]:
    """Mention id -> the actions people took on it that re-triage must not undo (a category
    set by hand, a mention reopened after a spam rule closed it)."""
    rows = session.exec(
        select(AuditEvent.mention_id, AuditEvent.action).where(
            col(AuditEvent.mention_id).in_(mention_ids),
            col(AuditEvent.action).in_([*_SET_CATEGORY, Action.MENTION_REOPENED]),
        )
    ).all()
    found: dict[int, set[str]] = {}
    for mention_id, action in rows:
        if mention_id is not None:
            found.setdefault(mention_id, set()).add(action)
    return found


def _without_surge(triage: Triage) -> Triage:
    """Re-triage and explanations replay no arrival order: the surge seen at arrival is kept
    from the stored decision (``_keep_surge``) and no new one is counted."""
    triage.surge = SurgeWatch(Surge())
    return triage


def _fields(mention: Mention) -> dict[str, Any]:
    return {
        "category": mention.category,
        "priority": PRIORITY_NAMES.get(mention.priority, mention.priority),
        "tags": store.json_list(mention.tags),
        "needs_approval": mention.needs_approval,
        "suggested_answer": mention.suggested_answer,
        "status": mention.status,
        "assignee": mention.assignee,
    }


def _keep_surge(decision: Decision, stored: dict[str, Any]) -> None:
    """A surge seen at arrival still counts: re-triage cannot replay the arrival order."""
    for note in stored.get("notes") or []:
        if isinstance(note, dict) and note.get("key") == "surge":
            decision.priority = min(3, decision.priority + 1)
            decision.notes.append(note)
            return


def _stored_language(stored: dict[str, Any]) -> Detected | None:
    """The language decided at arrival: re-triage applies new rules, it does not re-detect."""
    language = stored.get("language")
    if isinstance(language, dict) and isinstance(language.get("code"), str):
        return Detected(language["code"], str(language.get("source", "unknown")))
    return None


def _channel_name(session: Session, channel_id: int) -> str:
    channel = session.get(Channel, channel_id)
    return channel.name if channel else ""
