"""Triage quality on a labelled set: categories (desk.triage.evaluation) and the urgent flag.

The labelled sets of tests/data/triage/ carry, besides ``text`` and ``category``, ``urgent``
(true when the mention needs someone at once: a fire, a leak, a missing person...), and
optionally ``lang``, ``platform``, ``author`` and ``author_name``. ``measure`` triages each item as
desk would on arrival (the language as declared, news for RSS) and scores both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desk.triage.engine import Decision
from desk.triage.evaluation import EvalReport, score
from desk.triage.pipeline import URGENT, Incoming, Triage

AT = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)  # a Thursday afternoon: business hours


def labelled_incoming(item: dict[str, Any], at: datetime = AT) -> Incoming:
    """The triage input of one labelled item."""
    platform = str(item.get("platform") or "x")
    return Incoming(
        text=str(item["text"]),
        created_at=at,
        platform=platform,
        language=item.get("lang"),
        kind="news" if platform == "rss" else "mention",
        author=str(item.get("author") or ""),
        author_name=str(item.get("author_name") or ""),
    )


@dataclass
class UrgentScores:
    """Precision and recall of "urgent" (the priority) against the ``urgent`` labels."""

    precision: float
    recall: float
    flagged: int  # mentions triage made urgent
    labelled: int  # mentions labelled urgent
    false_alarms: list[str]  # texts made urgent that are not
    missed: list[str]  # urgent texts that were not made urgent

    def to_json(self) -> dict[str, Any]:
        """Plain form for reports (the texts, cut short)."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "flagged": self.flagged,
            "labelled": self.labelled,
            "false_alarms": [t[:90] for t in self.false_alarms],
            "missed": [t[:90] for t in self.missed],
        }


@dataclass
class Quality:
    """Category scores and urgent scores of one pack on one labelled set."""

    categories: EvalReport
    urgent: UrgentScores

    def to_json(self) -> dict[str, Any]:
        """Plain form for ``benchmarks/bench_triage_quality.py``."""
        return {"categories": self.categories.to_json(), "urgent": self.urgent.to_json()}


def labels_urgent(items: list[dict[str, Any]]) -> bool:
    """Whether every item says whether it is urgent (``"urgent": true|false``)."""
    return bool(items) and all(isinstance(item.get("urgent"), bool) for item in items)


def urgent_scores(items: list[dict[str, Any]], decisions: list[Decision]) -> UrgentScores:
    """Precision and recall of the urgent priority against the items' ``urgent`` labels."""
    flagged = {i for i, decision in enumerate(decisions) if decision.priority >= URGENT}
    labelled = {i for i, item in enumerate(items) if item.get("urgent") is True}
    hits = len(flagged & labelled)
    return UrgentScores(
        precision=hits / len(flagged) if flagged else 1.0,
        recall=hits / len(labelled) if labelled else 1.0,
        flagged=len(flagged),
        labelled=len(labelled),
        false_alarms=[items[i]["text"] for i in sorted(flagged - labelled)],
        missed=[items[i]["text"] for i in sorted(labelled - flagged)],
    )


def measure(items: Iterable[dict[str, Any]], triage: Triage) -> Quality:
    """Triage every item (no routing) and score its category and its urgent priority.

    Each item is triaged a week after the one before, so a set about one topic raises no surge
    (a surge raises priority by the count of mentions, not by what one of them says)."""
    listed = list(items)
    # a week apart: the same hour and weekday, and no surge among the items themselves
    decisions = [
        triage.decide(labelled_incoming(item, AT + timedelta(weeks=index)), route=False)
        for index, item in enumerate(listed)
    ]
    guesses = iter(decisions)
    categories = score(listed, lambda _item: next(guesses).category)
    return Quality(categories, urgent_scores(listed, decisions))
