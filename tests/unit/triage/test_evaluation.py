"""The default pack against the labelled evaluation set (tests/data/triage_eval/README.md).

The sets were written by separate authors who never saw the rules. ``dev`` was used while the
pack was written; ``holdout`` was scored once (macro-F1 0.832), after which the complaint, praise
and spam vocabulary was broadened from its aggregate confusion counts, so its later score (0.873)
is no longer a clean held-out figure; ``holdout2`` was written afterwards by another author and
scored once, with the final pack (0.815). The floors sit just under the measured figures, so a
rule change that loses quality fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desk.config import DeskConfig
from desk.triage.evaluation import read_labelled, score
from desk.triage.pipeline import Incoming, Triage
from desk.triage.rules import default_rules
from tests.helpers.paths import DATA as TEST_DATA

DATA = TEST_DATA / "triage_eval"
AT = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)


def classify_with_default_pack(item: dict[str, object]) -> str:
    triage = _triage()
    platform = str(item.get("platform") or "x")
    incoming = Incoming(
        text=str(item["text"]),
        created_at=AT,
        platform=platform,
        language=item.get("lang"),  # type: ignore[arg-type]
        kind="news" if platform == "rss" else "mention",
    )
    return triage.decide(incoming, route=False).category


_cache: list[Triage] = []


def _triage() -> Triage:
    if not _cache:
        _cache.append(Triage(default_rules(), DeskConfig()))
    return _cache[0]


@pytest.mark.parametrize(
    ("name", "floor"), [("dev.jsonl", 0.95), ("holdout.jsonl", 0.85), ("holdout2.jsonl", 0.78)]
)
def test_default_pack_macro_f1(name: str, floor: float) -> None:
    items = read_labelled(DATA / name)
    report = score(items, classify_with_default_pack)
    assert report.total == len(items) >= 100
    assert {c for c, s in report.per_category.items() if s.support} == {
        "spam",
        "rumour",
        "complaint",
        "question",
        "praise",
        "other",
    }
    assert report.macro_f1 >= floor, report.to_json()


def test_the_set_is_large_and_bilingual() -> None:
    items = read_labelled(DATA / "dev.jsonl") + read_labelled(DATA / "holdout.jsonl")
    assert len(items) >= 200
    languages = {str(i.get("lang")) for i in items}
    assert languages == {"fr", "en"}


def test_score_arithmetic() -> None:
    items = [
        {"text": "a", "category": "spam"},
        {"text": "b", "category": "spam"},
        {"text": "c", "category": "praise"},
    ]
    guesses = iter(["spam", "praise", "praise"])
    report = score(items, lambda _item: next(guesses))
    spam, praise = report.per_category["spam"], report.per_category["praise"]
    assert (spam.precision, spam.recall) == (1.0, 0.5)
    assert (praise.precision, praise.recall) == (0.5, 1.0)
    assert round(report.macro_f1, 4) == round((2 / 3 + 2 / 3) / 2, 4)
    assert report.accuracy == pytest.approx(2 / 3)
