"""Language detection: the cascade (function words, fastText, lingua) against lingua alone and
against the cascade without fastText, in the same run.

The corpus is desk's labelled texts (tests/data/triage_eval: 450 French and English municipal
mentions; tests/data/triage: the blind triage sets, 2,090 more; tests/data/language/other.jsonl:
30 in other languages), repeated to ``--n`` texts. The three paths run on the same list, each
after a warm-up that loads its models; the figures are texts per second (``detect_many``, which
spreads lingua over every core), the share each stage decided, and each path's accuracy on the
labelled codes. Prints JSON.

Target (issue 16): language detection no longer the bulk of an import, at unchanged accuracy.

    python benchmarks/bench_language.py [--n 20000]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from desk.triage.language import MODEL_SURE, by_model, by_words, detect_many

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def labelled() -> list[tuple[str, str]]:
    """(text, code) for every labelled text; codes are "fr", "en" or "other"."""
    rows = []
    for path in [
        *sorted((DATA / "triage_eval").glob("*.jsonl")),
        *sorted((DATA / "triage").glob("*.jsonl")),
        DATA / "language/other.jsonl",
    ]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((row["text"], row["lang"] if row["lang"] in ("fr", "en") else "other"))
    return rows


def main() -> None:
    """Time the three paths and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    rows = labelled()
    texts = [rows[i % len(rows)] for i in range(args.n)]
    items: list[tuple[str, str | None]] = [(text, None) for text, _ in texts]
    figures: dict[str, object] = {"benchmark": "language", "texts": len(items)}
    paths = (("lingua_alone", False, False), ("words_lingua", True, False), ("cascade", True, True))
    for name, cascade, model in paths:
        detect_many(items[:200], cascade=cascade, model=model)  # warm-up: the models are loaded
        started = time.perf_counter()
        found = detect_many(items, cascade=cascade, model=model)
        took = time.perf_counter() - started
        right = sum(d.code == code for d, (_, code) in zip(found, texts, strict=True))
        figures[f"{name}_seconds"] = round(took, 3)
        figures[f"{name}_texts_per_s"] = round(len(items) / took)
        figures[f"{name}_accuracy"] = round(right / len(items), 4)
    for name in ("lingua_alone", "words_lingua"):
        figures[f"speedup_over_{name}"] = round(
            float(str(figures[f"{name}_seconds"])) / float(str(figures["cascade_seconds"])), 2
        )
    left = [text for text, _ in rows if by_words(text) is None]
    figures["decided_by_words"] = round(1 - len(left) / len(rows), 3)
    figures["decided_by_fasttext"] = round(
        sum(by_model(text)[1] >= MODEL_SURE for text in left) / len(rows), 3
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
