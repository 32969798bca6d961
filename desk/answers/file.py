"""What a valid answer is, and the TOML file that carries a library of them.

One set of rules (``check_entry``) for every way into the library: an imported file's
``[[answer]]`` tables and the TUI editor's form (``form_fields`` turns its text into fields).
``parse_answers`` validates a whole file; ``format_answers`` writes the file it reads back
(``desk answers export``). No session here: AnswerService (desk.answers) stores what passes.

The file (``desk answers import FILE``; sample: ``sample_feeds/answers.toml``) is UTF-8 TOML of
at most 5 MiB holding only ``[[answer]]`` tables, one per answer and language::

    [[answer]]
    name = "boil-water-advisory"     # required; a-z 0-9 . _ - (first a-z or 0-9); at most 80
    language = "en"                  # required; fr or en; each name once per language
    title = "Boil-water advisory"    # required; at most 200 characters
    body = "Hello {author}, ... {link}"  # required; at most 5,000 characters
    source_url = "https://..."       # optional; the official source ({link}); at most 2,000
    source_updated = 2026-11-12      # optional date: when the source last changed
    expires_on = 2026-12-31          # optional date: not suggested or sent after it
    tags = ["water", "boil"]         # optional words that help suggestions; "crisis": first
                                     # while a crisis is declared
    categories = ["question"]        # optional; from desk.vocabulary.CATEGORIES
    pre_approved = true              # optional (false): sent unedited without a supervisor

The body's variables are ``{author}``, ``{date}``, ``{place}`` and ``{link}``
(desk.answers.ranking.render). Any other key is refused, and so are control characters (terminal
escapes, bidi overrides) in the text fields; CRLF line ends become LF. An export adds a
``# version N`` comment after each answer, which import ignores.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from desk.answers.ranking import AnswerView
from desk.errors import InputError, Said
from desk.vocabulary import CATEGORIES

MAX_FILE_BYTES = 5 * 1024 * 1024
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


def read_file(path: Path) -> str:
    """An answer file's text; InputError if it is missing, unreadable, too big or not UTF-8."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise InputError.from_catalog("file_missing", path=str(path)) from exc
    except OSError as exc:
        raise InputError.from_catalog(
            "file_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    if len(data) > MAX_FILE_BYTES:
        raise InputError.from_catalog("file_too_big", path=str(path), limit=f"{MAX_FILE_BYTES:,}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.from_catalog("file_not_utf8", path=str(path), byte=exc.start) from exc


def parse_answers(text: str, source: str) -> list[AnswerEntry]:
    """Validate a whole answer file; InputError names the entry and the field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError.from_catalog("toml_invalid", path=source, detail=str(exc)) from exc
    unknown = sorted(set(raw) - {"answer"})
    if unknown:
        which = "answers_unknown_table" if len(unknown) == 1 else "answers_unknown_tables"
        raise InputError.from_catalog(which, path=source, tables=", ".join(unknown))
    items = raw.get("answer", [])
    if not isinstance(items, list):
        raise InputError.from_catalog("answers_not_tables", path=source)
    entries: list[AnswerEntry] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items, start=1):
        try:
            entry = check_entry(item)
        except InvalidAnswer as exc:
            name = item.get("name") if isinstance(item, dict) else None
            label = f" ({name})" if isinstance(name, str) else ""
            raise InputError.from_catalog(
                "answers_entry",
                path=source,
                index=index,
                label=label,
                reason=Said(exc),
                hint=Said(exc, hint=True),
            ) from exc
        key = (entry.name, entry.language)
        if key in seen:
            raise InputError.from_catalog(
                "answers_twice", path=source, index=index, name=entry.name, language=entry.language
            )
        seen.add(key)
        entries.append(entry)
    return entries


def format_answers(answers: Iterable[AnswerView]) -> str:
    """``answers`` as a TOML file ``parse_answers`` reads back."""
    lines = ["# desk answer library (desk answers export)", ""]
    for answer in answers:
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


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
