"""The answer library: approved answers in French and English, suggested for each mention.

An answer has a name (shared by its language versions), a body with variables (``{author}``,
``{date}``, ``{place}``, ``{link}``), the official source it relies on, a version, an expiry
date, tags and categories, and a *pre-approved* flag: a reply made only of a pre-approved answer,
unedited, goes out without a supervisor (desk.replies.approval). Supervisors import and export answers
as TOML (``desk answers import|export``) or create, edit and retire them one by one (the TUI's
library screen); both paths share one validation (``check_entry``). Every change bumps the
version and is audited with what it was before, so any earlier version can be read back from the
audit trail. Answers are never deleted: a retired answer leaves the library but keeps its row, so
replies built from it (``answer_id`` + ``answer_version``) stay readable and counted.
``suggest`` ranks the live answers for a mention by what it says (BM25 over each answer's
title, text and tags, in the mention's language); the triage rules' suggestion comes first, and
during a declared crisis the answers tagged ``crisis`` before it; category and tags only break ties.

Here: AnswerService, the library's reads and its audited writes. desk.answers.file holds the
rules of a valid answer and the TOML file format; desk.answers.ranking the read model, rendering
and ranking (pure). Their public names are importable from here too.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from desk.answers.file import (
    MAX_FILE_BYTES,
    AnswerEntry,
    InvalidAnswer,
    check_entry,
    form_fields,
    format_answers,
    parse_answers,
    read_file,
)
from desk.answers.ranking import (
    VARIABLES,
    AnswerView,
    Fill,
    Suggestion,
    expired,
    fills,
    rank,
    render,
    view_of,
)
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, store, transaction
from desk.db.tables import Answer
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.views import StaffView

__all__ = [
    "MAX_FILE_BYTES",
    "TRACKED",
    "VARIABLES",
    "AnswerEntry",
    "AnswerService",
    "AnswerView",
    "InvalidAnswer",
    "Suggestion",
    "check_entry",
    "expired",
    "form_fields",
    "parse_answers",
    "render",
    "view_of",
]

# The fields a version is made of (what an edit can change and the audit trail records).
TRACKED = (
    "title",
    "body",
    "source_url",
    "source_updated",
    "expires_on",
    "tags",
    "categories",
    "pre_approved",
)


@dataclass(kw_only=True)
class AnswerService:
    """The library: list, import/export (supervisors), suggest and render for a mention."""

    write_factory: SessionFactory
    read_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def today(self) -> date:
        """Today in the desk's time zone (expiry dates are local dates)."""
        return self.config.hours.calendar().local(self.clock()).date()

    def list(self, *, include_expired: bool = True) -> list[AnswerView]:
        """Active answers by name and language."""
        today = self.today()
        with self.read_factory() as session:
            rows = session.exec(
                select(Answer).where(Answer.active).order_by(Answer.name, Answer.language)
            ).all()
            return [view_of(a) for a in rows if include_expired or not expired(a, today)]

    def named(self, name: str, language: str | None) -> AnswerView:
        """The answer ``name`` in ``language`` (else in any language); NotFound otherwise."""
        with self.read_factory() as session:
            rows = session.exec(select(Answer).where(Answer.name == name, Answer.active)).all()
        if not rows:
            raise NotFound.from_catalog("answer_unknown", name=name)
        chosen = next((a for a in rows if a.language == language), rows[0])
        return view_of(chosen)

    def suggest(
        self, mention_id: int, limit: int = 5, *, crisis: bool | None = None
    ) -> builtins.list[Suggestion]:
        """The best live answers for a mention, rendered for it, by what it says; while a
        crisis is declared (``desk crisis start``; ``crisis`` None: as the database says now),
        the answers tagged ``crisis`` first (desk.answers.ranking)."""
        today = self.today()
        with self.read_factory() as session:
            if crisis is None:
                crisis = store.crisis_declared(session=session)
            mention = store.get_mention(mention_id, session=session)
            answers = session.exec(select(Answer).where(Answer.active)).all()
            session.expunge_all()
        return rank(mention, answers, today, limit, crisis=crisis)

    def render_for(self, mention_id: int, answer: AnswerView) -> str:
        """An answer filled in for a mention, whatever its rank."""
        with self.read_factory() as session:
            mention = store.get_mention(mention_id, session=session)
            return render(answer, mention, self.today())

    def fills_for(self, mention_id: int, answer: AnswerView) -> builtins.list[Fill]:
        """The values the answer takes from the mention, each checked (desk.answers.ranking)."""
        with self.read_factory() as session:
            mention = store.get_mention(mention_id, session=session)
            return fills(answer, mention)

    def versions(self, name: str) -> builtins.list[AnswerView]:
        """Every language version of ``name``, retired ones included; NotFound if none."""
        with self.read_factory() as session:
            rows = session.exec(
                select(Answer).where(Answer.name == name).order_by(Answer.language)
            ).all()
            if not rows:
                raise NotFound.from_catalog("answer_unknown", name=name)
            return [view_of(a) for a in rows]

    # -- supervisors -------------------------------------------------------------------------
    def _require_supervisor(self) -> None:
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("answers_forbidden")

    def import_file(self, path: Path) -> tuple[int, int, int]:
        """Add or update answers from a TOML file; (created, updated, unchanged)."""
        return self.import_text(read_file(path), str(path))

    def import_text(self, text: str, source: str) -> tuple[int, int, int]:
        """Add or update answers from TOML text, all or nothing, each change audited."""
        self._require_supervisor()
        entries = parse_answers(text, source)
        created = updated = unchanged = 0
        with transaction(self.write_factory) as session:
            for entry in entries:
                outcome, _row = self._upsert(session, entry, source)
                created += outcome == "created"
                updated += outcome == "updated"
                unchanged += outcome == "unchanged"
        return created, updated, unchanged

    def create(self, fields: Mapping[str, Any], *, source: str = "editor") -> AnswerView:
        """A new answer (version 1), validated like an imported one, audited.

        A name already in the library in that language is refused (edit it instead); a retired
        one comes back as its next version, so its number keeps counting.
        """
        self._require_supervisor()
        entry = check_entry(dict(fields))
        with transaction(self.write_factory) as session:
            row = _row(session, entry.name, entry.language)
            if row is not None and row.active:
                error = InvalidAnswer.from_catalog(
                    "answer_exists", name=entry.name, language=entry.language
                )
                error.field = "name"
                raise error
            _outcome, row = self._upsert(session, entry, source)
            return view_of(row)

    def edit(
        self,
        answer_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        source: str = "editor",
    ) -> AnswerView:
        """Save ``changes`` (fields of ``create``; the others keep their value) as the next
        version. Name and language identify an answer and do not change. ``expected_version``:
        refuse when someone saved another version since the editor was opened. Nothing changed:
        nothing is written and the version stays."""
        self._require_supervisor()
        with transaction(self.write_factory) as session:
            row = session.get(Answer, answer_id)
            if row is None or not row.active:
                raise NotFound.from_catalog("answer_unknown", name=f"#{answer_id}")
            fields = {"name": row.name, "language": row.language, **_summary(row), **changes}
            for key in ("name", "language"):
                if fields[key] != getattr(row, key):
                    error = InvalidAnswer.from_catalog("answer_rename", name=row.name)
                    error.field = key
                    raise error
            entry = check_entry(fields)
            if expected_version is not None and row.version != expected_version:
                raise ActionRefused.from_catalog(
                    "answer_changed", name=row.name, language=row.language, version=row.version
                )
            _outcome, row = self._upsert(session, entry, source)
            return view_of(row)

    def retire(self, answer_id: int, *, source: str = "editor") -> AnswerView:
        """Take an answer out of the library (no longer listed, suggested or sendable). Its row
        stays: replies that used it keep their ``answer_id``/``answer_version``."""
        self._require_supervisor()
        with transaction(self.write_factory) as session:
            row = session.get(Answer, answer_id)
            if row is None:
                raise NotFound.from_catalog("answer_unknown", name=f"#{answer_id}")
            self._retire(session, row, source)
            return view_of(row)

    def retire_named(
        self, name: str, language: str | None = None, *, source: str = "desk answers retire"
    ) -> builtins.list[AnswerView]:
        """Retire ``name`` in ``language``, or in every language it has; one transaction."""
        self._require_supervisor()
        with transaction(self.write_factory) as session:
            query = select(Answer).where(Answer.name == name, Answer.active)
            if language is not None:
                query = query.where(Answer.language == language)
            rows = session.exec(query.order_by(Answer.language)).all()
            if not rows:
                raise NotFound.from_catalog("answer_unknown", name=name)
            for row in rows:
                self._retire(session, row, source)
            return [view_of(row) for row in rows]

    def _retire(self, session: Session, row: Answer, source: str) -> None:
        if not row.active:
            raise ActionRefused.from_catalog("answer_retired", name=row.name, language=row.language)
        now = self.clock()
        row.active = False
        row.updated_by, row.updated_at = self.actor.name, now
        session.add(row)
        session.flush()
        self._audit(
            session,
            "retired",
            row,
            now,
            {"fields": _summary(row), "source": source},
        )

    def _upsert(self, session: Session, entry: AnswerEntry, source: str) -> tuple[str, Answer]:
        now = self.clock()
        row = _row(session, entry.name, entry.language)
        values: dict[str, Any] = {
            "title": entry.title,
            "body": entry.body,
            "source_url": entry.source_url,
            "source_updated": entry.source_updated,
            "expires_on": entry.expires_on,
            "tags": json.dumps(entry.tags, ensure_ascii=False),
            "categories": json.dumps(entry.categories),
            "pre_approved": entry.pre_approved,
        }
        extra: dict[str, Any]
        if row is None:
            row = Answer(
                name=entry.name,
                language=entry.language,
                updated_by=self.actor.name,
                updated_at=now,
                **values,
            )
            action = "created"
        elif all(getattr(row, k) == v for k, v in values.items()) and row.active:
            return "unchanged", row
        else:
            # Only the current version is kept in the table: the event holds what it was before.
            before, was_active, previous = _summary(row), row.active, row.version
            for key, value in values.items():
                setattr(row, key, value)
            row.version += 1
            row.active = True
            row.updated_by, row.updated_at = self.actor.name, now
            action = "updated"
            after = _summary(row)
            changes = {
                k: {"before": before[k], "after": after[k]}
                for k in TRACKED
                if before[k] != after[k]
            }
            if not was_active:
                changes["active"] = {"before": False, "after": True}
            extra = {"previous_version": previous, "changes": changes}
        session.add(row)
        session.flush()
        if action == "created":
            extra = {"fields": _summary(row)}
        self._audit(session, action, row, now, {**extra, "source": source})
        return action, row

    def _audit(
        self, session: Session, action: str, row: Answer, now: datetime, data: dict[str, Any]
    ) -> None:
        Recorder(self.actor.name, self.clock).event(
            session,
            Action(f"answer.{action}"),
            {
                "answer_id": row.id,
                "name": row.name,
                "language": row.language,
                "version": row.version,
                "pre_approved": row.pre_approved,
                "body": row.body,
                **data,
            },
            at=now,
        )

    def export_toml(self) -> str:
        """Every active answer as a TOML file ``import`` reads back."""
        return format_answers(self.list())


def _row(session: Session, name: str, language: str) -> Answer | None:
    return session.exec(
        select(Answer).where(Answer.name == name, Answer.language == language)
    ).first()


def _summary(answer: Answer) -> dict[str, Any]:
    """A version's tracked fields in plain JSON form (for the audit trail)."""
    values = {key: getattr(answer, key) for key in TRACKED}
    for key in ("source_updated", "expires_on"):
        values[key] = values[key].isoformat() if values[key] else None
    values["tags"] = store.json_list(answer.tags)
    values["categories"] = store.json_list(answer.categories)
    return values
