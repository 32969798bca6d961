"""The answer library: approved answers in French and English, suggested for each mention.

An answer has a name (shared by its language versions), a body with variables (``{author}``,
``{date}``, ``{place}``, ``{link}``), the official source it relies on, a version, an expiry
date, tags and categories, and a *pre-approved* flag: a reply made only of a pre-approved answer,
unedited, goes out without a supervisor (desk.approval). Supervisors import and export answers
as TOML (``desk answers import|export``) or create, edit and retire them one by one (the TUI's
library screen); both paths share one validation (``check_entry``). Every change bumps the
version and is audited with what it was before, so any earlier version can be read back from the
audit trail. Answers are never deleted: a retired answer leaves the library but keeps its row, so
replies built from it (``answer_id`` + ``answer_version``) stay readable and counted.
``suggest`` ranks the live answers for a mention: the triage rules' suggestion first, then
category, tags and the words the mention and the answer share.
"""

from __future__ import annotations

import builtins
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session, select

from desk import audit, store
from desk.audit import EventSpec
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.db import SessionFactory, transaction
from desk.errors import ActionRefused, InputError, NotFound, PermissionDenied
from desk.models import CATEGORIES, Answer, Mention, StaffView
from desk.triage.words import fold, tokens

MAX_FILE_BYTES = 5 * 1024 * 1024
VARIABLES = ("author", "date", "place", "link")
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
# Text that is published must not carry terminal controls (ESC sequences...) or bidi overrides.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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

    @field_validator("title", "body", "source_url", mode="before")
    @classmethod
    def _one_newline(cls, value: Any) -> Any:
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    @field_validator("title", "body", "source_url", "tags", "categories")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            found = _UNPRINTABLE.search(text) if isinstance(text, str) else None
            if found:
                raise PydanticCustomError(
                    "control_character",
                    "control character {char} (terminal escapes and bidi overrides are refused)",
                    {"char": f"U+{ord(found.group()):04X}"},
                )
        return value


class InvalidAnswer(InputError):
    """An answer that fails the library's validation. ``field`` names the first bad field (the
    editing form marks it); ``detail`` is the validator's own wording (import messages use it)."""

    field: str | None = None
    detail: str = ""


def _invalid(key: str, field: str | None, detail: str, /, **params: Any) -> InvalidAnswer:
    error = InvalidAnswer.from_catalog(key, field=field or "", **params)
    error.field, error.detail = field, detail
    return error


def check_entry(item: Any) -> AnswerEntry:
    """Validate one answer (a TOML ``[[answer]]`` table or the editing form's fields): the one
    set of rules for every way into the library. InvalidAnswer says which field and why."""
    try:
        entry = AnswerEntry.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = str(first["loc"][0]) if first["loc"] else None
        detail = f"{where}: {first['msg']}"
        kind = first["type"]
        if kind in ("missing", "string_too_short"):
            raise _invalid("answer_required", field, detail) from exc
        if kind == "string_too_long":
            limit = (first.get("ctx") or {}).get("max_length", "")
            raise _invalid("answer_too_long", field, detail, max=limit) from exc
        if kind == "string_pattern_mismatch" and field in ("name", "language"):
            raise _invalid(f"answer_bad_{field}", field, detail) from exc
        if kind.startswith("date_"):
            raise _invalid("answer_bad_date", field, detail) from exc
        if kind == "control_character":
            char = (first.get("ctx") or {}).get("char", "")
            raise _invalid("answer_control_chars", field, detail, char=char) from exc
        raise _invalid("answer_invalid", field, detail, detail=detail) from exc
    bad = [c for c in entry.categories if c not in CATEGORIES]
    if bad:
        raise _invalid(
            "answer_bad_categories",
            "categories",
            f"unknown categories {bad}",
            bad=", ".join(bad),
            categories=", ".join(CATEGORIES),
        )
    return entry


def form_fields(
    *,
    name: str,
    language: str,
    title: str,
    body: str,
    source_url: str,
    expires_on: str,
    tags: str,
    categories: list[str],
    pre_approved: bool,
) -> dict[str, Any]:
    """The editing form's text turned into an answer's fields (``check_entry`` validates them):
    one-line fields trimmed, empty link and expiry mean none, tags separated by commas."""
    return {
        "name": name.strip(),
        "language": language.strip(),
        "title": title.strip(),
        "body": body,
        "source_url": source_url.strip() or None,
        "expires_on": expires_on.strip() or None,
        "tags": [t.strip() for t in tags.split(",") if t.strip()],
        "categories": list(categories),
        "pre_approved": pre_approved,
    }


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
    active: bool = True  # False once retired (kept for the replies that used it)
    updated_by: str = ""
    updated_at: datetime | None = None
    source_updated: date | None = None  # when the source last changed, if known

    def fields(self) -> dict[str, Any]:
        """The editable fields, as ``AnswerService.create``/``edit`` take them."""
        return {
            "name": self.name,
            "language": self.language,
            "title": self.title,
            "body": self.body,
            "source_url": self.source_url,
            "expires_on": self.expires_on,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "pre_approved": self.pre_approved,
        }

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
            "active": self.active,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "source_updated": self.source_updated.isoformat() if self.source_updated else None,
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
        active=answer.active,
        updated_by=answer.updated_by,
        updated_at=as_utc(answer.updated_at),
        source_updated=answer.source_updated,
    )


def _summary(answer: Answer) -> dict[str, Any]:
    """A version's tracked fields in plain JSON form (for the audit trail)."""
    values = {key: getattr(answer, key) for key in TRACKED}
    for key in ("source_updated", "expires_on"):
        values[key] = values[key].isoformat() if values[key] else None
    values["tags"] = store.json_list(answer.tags)
    values["categories"] = store.json_list(answer.categories)
    return values


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

    def suggest(self, mention_id: int, limit: int = 5) -> builtins.list[Suggestion]:
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
            score, why = 0.0, builtins.list[str]()
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

    def versions(self, name: str) -> builtins.list[AnswerView]:
        """Every language version of ``name``, retired ones included; NotFound if none."""
        with self.read_factory() as session:
            rows = session.exec(
                select(Answer).where(Answer.name == name).order_by(Answer.language)  # type: ignore[arg-type]
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
        return self.import_text(_read(path), str(path))

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
            rows = session.exec(query.order_by(Answer.language)).all()  # type: ignore[arg-type]
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
                    **data,
                },
            ),
        )

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
            if answer.source_updated:
                lines.append(f"source_updated = {answer.source_updated.isoformat()}")
            if answer.expires_on:
                lines.append(f"expires_on = {answer.expires_on.isoformat()}")
            lines.append(f"tags = {json.dumps(list(answer.tags), ensure_ascii=False)}")
            lines.append(f"categories = {json.dumps(list(answer.categories))}")
            lines.append(f"pre_approved = {'true' if answer.pre_approved else 'false'}")
            lines.append(f"# version {answer.version}")
            lines.append("")
        return "\n".join(lines)


def _row(session: Session, name: str, language: str) -> Answer | None:
    return session.exec(
        select(Answer).where(Answer.name == name, Answer.language == language)
    ).first()


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
            entry = check_entry(item)
        except InvalidAnswer as exc:
            name = item.get("name") if isinstance(item, dict) else None
            label = f" ({name})" if isinstance(name, str) else ""
            raise InputError(
                f"{source}: answer #{index}{label}: {exc.detail}", hint=exc.hint
            ) from exc
        key = (entry.name, entry.language)
        if key in seen:
            raise InputError(
                f"{source}: answer #{index}: {entry.name} in {entry.language} is given twice"
            )
        seen.add(key)
        entries.append(entry)
    return entries
