"""The answer library: approved answers in French and English, suggested for each mention.

An answer has a name (shared by its language versions), a body with variables (``{author}``,
``{date}``, ``{place}``, ``{link}``), the official source it relies on, a version, an expiry
date, tags and categories, and a *pre-approved* flag: a reply made only of a pre-approved answer,
unedited, goes out without a supervisor (desk.approval). Supervisors import and export answers
as TOML (``desk answers import|export``); every change bumps the version and is audited.
``suggest`` ranks the live answers for a mention: the triage rules' suggestion first, then
category, tags and the words the mention and the answer share.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, select

from desk import audit, store
from desk.audit import EventSpec
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, transaction
from desk.errors import InputError, NotFound, PermissionDenied
from desk.models import CATEGORIES, Answer, Mention, StaffView
from desk.triage.words import fold, tokens

MAX_FILE_BYTES = 5 * 1024 * 1024
VARIABLES = ("author", "date", "place", "link")


class AnswerEntry(BaseModel):
    """One ``[[answer]]`` of a TOML file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    language: str = Field(pattern=r"^(fr|en)$")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    source_url: str | None = Field(default=None, max_length=2000)
    source_updated: date | None = None
    expires_on: date | None = None
    tags: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    pre_approved: bool = False


@dataclass(frozen=True)
class AnswerView:
    """An answer as the CLI and the UI show it."""

    id: int
    name: str
    language: str
    title: str
    body: str
    source_url: str | None
    version: int
    expires_on: date | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    pre_approved: bool
    source_changed: bool  # the source changed after the answer was last revised

    def to_json(self) -> dict[str, Any]:
        """Plain form."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "title": self.title,
            "body": self.body,
            "source_url": self.source_url,
            "version": self.version,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "pre_approved": self.pre_approved,
            "source_changed": self.source_changed,
        }


@dataclass(frozen=True)
class Suggestion:
    """An answer proposed for a mention, rendered for it, with why it ranks where it does."""

    answer: AnswerView
    text: str
    score: float
    why: tuple[str, ...]


def view_of(answer: Answer) -> AnswerView:
    """The plain read model."""
    updated = as_utc(answer.updated_at).date()
    return AnswerView(
        id=answer.id or 0,
        name=answer.name,
        language=answer.language,
        title=answer.title,
        body=answer.body,
        source_url=answer.source_url,
        version=answer.version,
        expires_on=answer.expires_on,
        tags=tuple(store.json_list(answer.tags)),
        categories=tuple(store.json_list(answer.categories)),
        pre_approved=answer.pre_approved,
        source_changed=bool(answer.source_updated and answer.source_updated > updated),
    )


def expired(answer: Answer | AnswerView, today: date) -> bool:
    """Whether the answer's expiry date has passed."""
    return answer.expires_on is not None and answer.expires_on < today


def render(answer: Answer | AnswerView, mention: Mention, today: date, place: str = "") -> str:
    """The answer's body for this mention, variables filled; unknown braces stay as written."""
    values = {
        "author": mention.author_handle,
        "date": today.isoformat(),
        "place": place,
        "link": answer.source_url or "",
    }
    text = answer.body
    for key in VARIABLES:
        text = text.replace("{" + key + "}", values[key])
    return text.strip()


def _words(text: str) -> set[str]:
    return {t for t in tokens(fold(text)) if len(t) > 3}


@dataclass
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
                select(Answer).where(Answer.active).order_by(Answer.name, Answer.language)  # type: ignore[arg-type]
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

    def suggest(self, mention_id: int, limit: int = 5) -> list[Suggestion]:
        """The best live answers for a mention, rendered for it."""
        today = self.today()
        with self.read_factory() as session:
            mention = store.get_mention(mention_id, session=session)
            answers = session.exec(select(Answer).where(Answer.active)).all()
            session.expunge_all()
        language = mention.language if mention.language in ("fr", "en") else None
        text_words = _words(mention.text)
        tags = set(store.json_list(mention.tags))
        out = []
        for answer in answers:
            if expired(answer, today) or (language and answer.language != language):
                continue
            score, why = 0.0, []
            if mention.suggested_answer == answer.name:
                score, why = score + 100, [*why, "rule"]
            if mention.category in store.json_list(answer.categories):
                score, why = score + 20, [*why, "category"]
            shared_tags = tags & set(store.json_list(answer.tags))
            if shared_tags:
                score, why = score + 10 * len(shared_tags), [*why, "tags"]
            answer_words = _words(
                f"{answer.title} {answer.body} {' '.join(store.json_list(answer.tags))}"
            )
            if text_words and answer_words:
                overlap = len(text_words & answer_words) / len(text_words | answer_words)
                if overlap:
                    score, why = score + 50 * overlap, [*why, "words"]
            if score > 0:
                out.append(
                    Suggestion(view_of(answer), render(answer, mention, today), score, tuple(why))
                )
        out.sort(key=lambda s: (-s.score, s.answer.name))
        return out[:limit]

    def render_for(self, mention_id: int, answer: AnswerView) -> str:
        """An answer filled in for a mention, whatever its rank."""
        with self.read_factory() as session:
            mention = store.get_mention(mention_id, session=session)
            return render(answer, mention, self.today())

    # -- supervisors -------------------------------------------------------------------------
    def import_file(self, path: Path) -> tuple[int, int, int]:
        """Add or update answers from a TOML file; (created, updated, unchanged)."""
        return self.import_text(_read(path), str(path))

    def import_text(self, text: str, source: str) -> tuple[int, int, int]:
        """Add or update answers from TOML text, all or nothing, each change audited."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("answers_forbidden")
        entries = parse_answers(text, source)
        created = updated = unchanged = 0
        with transaction(self.write_factory) as session:
            for entry in entries:
                outcome = self._upsert(session, entry, source)
                created += outcome == "created"
                updated += outcome == "updated"
                unchanged += outcome == "unchanged"
        return created, updated, unchanged

    def _upsert(self, session: Session, entry: AnswerEntry, source: str) -> str:
        now = self.clock()
        row = session.exec(
            select(Answer).where(Answer.name == entry.name, Answer.language == entry.language)
        ).first()
        values = {
            "title": entry.title,
            "body": entry.body,
            "source_url": entry.source_url,
            "source_updated": entry.source_updated,
            "expires_on": entry.expires_on,
            "tags": json.dumps(entry.tags, ensure_ascii=False),
            "categories": json.dumps(entry.categories),
            "pre_approved": entry.pre_approved,
        }
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
            return "unchanged"
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.version += 1
            row.active = True
            row.updated_by, row.updated_at = self.actor.name, now
            action = "updated"
        session.add(row)
        session.flush()
        audit.append(
            session,
            EventSpec(
                actor=self.actor.name,
                action=f"answer.{action}",
                at=now,
                data={
                    "answer_id": row.id,
                    "name": row.name,
                    "language": row.language,
                    "version": row.version,
                    "pre_approved": row.pre_approved,
                    "body": row.body,
                    "source": source,
                },
            ),
        )
        return action

    def export_toml(self) -> str:
        """Every active answer as a TOML file ``import`` reads back."""
        lines = ["# desk answer library (desk answers export)", ""]
        for answer in self.list():
            lines.append("[[answer]]")
            lines.append(f"name = {_toml(answer.name)}")
            lines.append(f"language = {_toml(answer.language)}")
            lines.append(f"title = {_toml(answer.title)}")
            lines.append(f"body = {_toml(answer.body)}")
            if answer.source_url:
                lines.append(f"source_url = {_toml(answer.source_url)}")
            if answer.expires_on:
                lines.append(f"expires_on = {answer.expires_on.isoformat()}")
            lines.append(f"tags = {json.dumps(list(answer.tags), ensure_ascii=False)}")
            lines.append(f"categories = {json.dumps(list(answer.categories))}")
            lines.append(f"pre_approved = {'true' if answer.pre_approved else 'false'}")
            lines.append(f"# version {answer.version}")
            lines.append("")
        return "\n".join(lines)


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: file not found") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: over {MAX_FILE_BYTES:,} bytes; is this an answer file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def parse_answers(text: str, source: str) -> list[AnswerEntry]:
    """Validate a whole answer file; InputError names the entry and the field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"{source}: not valid TOML: {exc}", hint="check quotes and brackets"
        ) from exc
    unknown = set(raw) - {"answer"}
    if unknown:
        raise InputError(
            f"{source}: unknown table(s) {', '.join(sorted(unknown))}",
            hint="write each answer as [[answer]]",
        )
    items = raw.get("answer", [])
    if not isinstance(items, list):
        raise InputError(f"{source}: 'answer' must be [[answer]] tables")
    entries: list[AnswerEntry] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items, start=1):
        try:
            entry = AnswerEntry.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            name = item.get("name") if isinstance(item, dict) else None
            raise InputError(
                f"{source}: answer #{index}{f' ({name})' if isinstance(name, str) else ''}: {where}: {first['msg']}"
            ) from exc
        bad = [c for c in entry.categories if c not in CATEGORIES]
        if bad:
            raise InputError(
                f"{source}: answer #{index} ({entry.name}): unknown categories {bad}",
                hint=f"one of {', '.join(CATEGORIES)}",
            )
        key = (entry.name, entry.language)
        if key in seen:
            raise InputError(
                f"{source}: answer #{index}: {entry.name} in {entry.language} is given twice"
            )
        seen.add(key)
        entries.append(entry)
    return entries
