"""Suggestions by content (issue 14): top-1 / top-3 accuracy and time per mention; prints JSON.

The demo's library (sample_feeds/answers.toml) is ranked for each labelled question of
tests/data/answers/questions.jsonl by two rankings in the same run:

- ``content``: desk.answers.ranking.rank (BM25 over title, text and tags, category a small boost);
- ``baseline``: the ranking before it, copied below unchanged (category +20, shared tags +10
  each, word overlap 0..50: it leaned on category).

Time per mention is the median over the labelled questions of one ``rank`` call (the index is
built from the rows on every call, as AnswerService.suggest does; each answer's terms are kept
between calls); ``ms_per_mention_large`` ranks a library of the same answers copied 15 times
under other names (1,020 rows), for a team with a big library. ``content_language_unknown``
ranks the questions as if no platform had said their language (both languages' answers, each in
its own words). Target: top-3 >= 0.90.

    python benchmarks/bench_suggest.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from desk.answers.ranking import Suggestion, expired, fills, rank, render, view_of  # noqa: E402
from desk.db import store  # noqa: E402
from desk.db.tables import Answer, Mention  # noqa: E402
from desk.triage.words import fold, tokens  # noqa: E402
from tests.helpers.answers import TODAY, Ranker, accuracy, library, questions  # noqa: E402


def baseline_rank(
    mention: Mention, answers: Iterable[Answer], today: date, limit: int
) -> list[Suggestion]:
    """desk.answers.ranking.rank as it was before issue 14 (category-led)."""
    language = mention.language if mention.language in ("fr", "en") else None
    text_words = _words(mention.text)
    tags = set(store.json_list(mention.tags))
    out = []
    for answer in answers:
        if expired(answer, today) or (language and answer.language != language):
            continue
        score, why = 0.0, list[str]()
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
            text = render(answer, mention, today)
            filled = tuple(fills(answer, mention))
            out.append(Suggestion(view_of(answer), text, score, tuple(why), filled))
    out.sort(key=lambda s: (-s.score, s.answer.name))
    return out[:limit]


def _words(text: str) -> set[str]:
    return {t for t in tokens(fold(text)) if len(t) > 3}


def ms_per_mention(ranker: Ranker, answers: list[Answer], mentions: list[Mention]) -> float:
    """Median milliseconds of one ranking of the whole library for one mention."""
    ranker(mentions[0], answers, TODAY, 5)  # warm-up: imports, stemmers
    times = []
    for mention in mentions:
        began = time.perf_counter()
        ranker(mention, answers, TODAY, 5)
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 3)


def copies(answers: list[Answer], times: int) -> list[Answer]:
    """``answers`` repeated ``times`` under other names (a big library, same words)."""
    out = []
    for k in range(times):
        for a in answers:
            copy = a.model_copy()
            copy.id, copy.name = (a.id or 0) + k * len(answers), f"{a.name}-{k}"
            out.append(copy)
    return out


def main() -> None:
    answers = library()
    large = copies(answers, 15)
    asked = questions()
    mentions = [q.mention for q in asked]
    figures = {}
    for name, ranker in (("content", rank), ("baseline", baseline_rank)):
        measured = accuracy(ranker, answers, asked)
        figures[name] = {
            "top1": measured["top1"],
            "top3": measured["top3"],
            "ms_per_mention": ms_per_mention(ranker, answers, mentions),
            "ms_per_mention_large": ms_per_mention(ranker, large, mentions),
            "misses_top3": len(measured["misses"]),
        }
    languages = sorted({q.mention.language or "" for q in asked})
    by_language = {
        language: {
            name: accuracy(ranker, answers, [q for q in asked if q.mention.language == language])[
                "top3"
            ]
            for name, ranker in (("content", rank), ("baseline", baseline_rank))
        }
        for language in languages
    }
    # the same questions as if no platform had said their language: both languages are ranked
    unknown = [replace(q, mention=q.mention.model_copy(update={"language": None})) for q in asked]
    blind = accuracy(rank, answers, unknown)
    tops = [rank(q.mention, answers, TODAY, 1) for q in unknown]
    same = sum(
        bool(top) and top[0].answer.language == q.mention.language
        for top, q in zip(tops, asked, strict=True)
    )
    print(
        json.dumps(
            {
                "answers": len(answers),
                "answer_names": len({a.name for a in answers}),
                "large_library_rows": len(large),
                "questions": len(asked),
                "target_top3": 0.9,
                **figures,
                "top3_by_language": by_language,
                "content_language_unknown": {
                    "top1": blind["top1"],
                    "top3": blind["top3"],
                    "top1_in_the_mention_language": round(same / len(asked), 3),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
