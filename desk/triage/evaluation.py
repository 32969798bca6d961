"""Measure triage against a labelled set: precision, recall and F1 per category, macro-F1.

A labelled set is JSON lines ``{"text": ..., "category": ..., "lang": optional,
"platform": optional}`` (see tests/data/triage_eval/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.errors import InputError, Said
from desk.vocabulary import CATEGORIES

Classify = Callable[[dict[str, Any]], str]


@dataclass
class Scores:
    """Precision, recall and F1 of one category."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvalReport:
    """Per-category scores, macro-F1, accuracy and the confusion counts (truth -> predicted)."""

    per_category: dict[str, Scores]
    macro_f1: float
    accuracy: float
    total: int
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain form for ``--json`` and reports."""
        return {
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_category": {
                c: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for c, s in self.per_category.items()
            },
            "confusion": self.confusion,
        }


MAX_LABELLED_BYTES = 100 * 1024 * 1024


def read_labelled(
    path: Path, check: Callable[[dict[str, Any]], object] | None = None
) -> list[dict[str, Any]]:
    """The items of a labelled JSON-lines file; InputError names the bad line.

    ``check`` (e.g. building the triage input) runs on each item; its InputError gets the line.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_LABELLED_BYTES + 1)
        if len(data) > MAX_LABELLED_BYTES:
            raise InputError.from_catalog(
                "file_too_big", path=str(path), limit=f"{MAX_LABELLED_BYTES:,}"
            )
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.from_catalog("file_not_utf8", path=str(path), byte=exc.start) from exc
    except IsADirectoryError as exc:
        raise InputError.from_catalog("file_is_folder", path=str(path)) from exc
    except (FileNotFoundError, PermissionError):
        raise
    except OSError as exc:
        raise InputError.from_catalog(
            "file_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise InputError.from_catalog(
                "jsonl_invalid", path=str(path), line=number, detail=str(exc)[:200]
            ) from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InputError.from_catalog("labelled_no_text", path=str(path), line=number)
        if item.get("category") not in CATEGORIES:
            raise InputError.from_catalog(
                "labelled_category",
                path=str(path),
                line=number,
                categories=", ".join(CATEGORIES),  # the codes the file must use
            )
        if check is not None:
            try:
                check(item)
            except InputError as exc:
                raise InputError.from_catalog(
                    "labelled_item",
                    path=str(path),
                    line=number,
                    reason=Said(exc),
                    hint=Said(exc, hint=True),
                ) from exc
        items.append(item)
    return items


def score(items: Iterable[dict[str, Any]], classify: Classify) -> EvalReport:
    """Classify every item and compare with its label."""
    confusion = {truth: dict.fromkeys(CATEGORIES, 0) for truth in CATEGORIES}
    total = correct = 0
    for item in items:
        predicted = classify(item)
        confusion[item["category"]][predicted] += 1
        total += 1
        correct += predicted == item["category"]
    per_category = {}
    for category in CATEGORIES:
        tp = confusion[category][category]
        predicted_count = sum(confusion[t][category] for t in CATEGORIES)
        support = sum(confusion[category].values())
        precision = tp / predicted_count if predicted_count else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_category[category] = Scores(precision, recall, f1, support)
    present = [s for s in per_category.values() if s.support]
    macro = sum(s.f1 for s in present) / len(present) if present else 0.0
    return EvalReport(per_category, macro, correct / total if total else 0.0, total, confusion)
