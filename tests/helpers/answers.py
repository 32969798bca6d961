"""The demo's answer library and the labelled questions, as the pure ranking takes them.

``library`` reads an answers TOML file into Answer rows (no database: ``rank`` is pure);
``questions`` reads tests/data/answers/questions.jsonl into mentions with their expected answer;
``accuracy`` measures top-1 and top-3 for any ranking function of the same shape as ``rank``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from desk.answers.file import parse_answers
from desk.db.tables import Answer, Mention
from tests.helpers.paths import REPO

SAMPLE_LIBRARY = REPO / "sample_feeds" / "answers.toml"
QUESTIONS = REPO / "tests" / "data" / "answers" / "questions.jsonl"
TODAY = date(2026, 11, 12)
"""The day the labelled set is ranked on (the tests' clock): the summer festival has expired."""


@dataclass(frozen=True)
class Question:
    """A labelled question: the mention as desk stores it, and the answer a person would send."""

    id: str
    mention: Mention
    expected: str


def library(path: Path = SAMPLE_LIBRARY) -> list[Answer]:
    """Every answer of a TOML file as an unsaved row (ids from 1, in file order)."""
    entries = parse_answers(path.read_text(encoding="utf-8"), str(path))
    return [
        Answer(
            id=number,
            name=e.name,
            language=e.language,
            title=e.title,
            body=e.body,
            source_url=e.source_url,
            source_updated=e.source_updated,
            expires_on=e.expires_on,
            tags=json.dumps(e.tags, ensure_ascii=False),
            categories=json.dumps(e.categories),
            pre_approved=e.pre_approved,
            updated_by="test",
            updated_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
        for number, e in enumerate(entries, 1)
    ]


def asking(
    text: str, language: str | None = "fr", category: str = "question", **kw: Any
) -> Mention:
    """An unsaved mention saying ``text``."""
    values: dict[str, Any] = {
        "id": 1,
        "platform": "mastodon",
        "remote_id": "1",
        "author_handle": "@jean",
        "author_name": "Jean",
        "text": text,
        "language": language,
        "category": category,
        "tags": "[]",
        "created_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        "raw": "{}",
    }
    values.update(kw)
    return Mention(**values)


def questions(path: Path = QUESTIONS) -> list[Question]:
    """The labelled questions."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        Question(r["id"], asking(r["text"], r["lang"], r["category"]), r["expected"]) for r in rows
    ]


Ranker = Callable[[Mention, Iterable[Answer], date, int], Sequence[Any]]


def accuracy(rank: Ranker, answers: list[Answer], asked: list[Question]) -> dict[str, Any]:
    """Top-1 and top-3 accuracy of ``rank`` (suggestions with ``.answer.name``), and the misses."""
    top1 = top3 = 0
    misses = []
    for q in asked:
        names = [s.answer.name for s in rank(q.mention, answers, TODAY, 3)]
        top1 += names[:1] == [q.expected]
        top3 += q.expected in names
        if q.expected not in names:
            misses.append({"id": q.id, "expected": q.expected, "got": names})
    return {
        "questions": len(asked),
        "top1": round(top1 / len(asked), 3),
        "top3": round(top3 / len(asked), 3),
        "misses": misses,
    }
