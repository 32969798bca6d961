"""Saved views' counts at scale (issue 13: the queue header counts every view).

Builds (or reuses, with ``--db``) a desk of N mentions (benchmarks/_scale.py), adds two
personal views (a word search and a pattern line) to the four built-in ones, then times, in
process, ``ViewService.counts()`` (one count per view in one read transaction) beside the
baseline from the same run: one count of the open queue.

    python benchmarks/bench_views.py [N] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from benchmarks._scale import build  # noqa: E402
from benchmarks.bench_search import median_ms  # noqa: E402
from desk.bootstrap import open_desk  # noqa: E402
from desk.db.store import QueueFilter  # noqa: E402


def main() -> None:
    """Build, measure, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=200_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "views.db"
        began = time.perf_counter()
        settings = build(path, args.n)
        built = time.perf_counter() - began
        desk = open_desk(settings, as_name="amelie")
        views = desk.saved_views
        views.personal_path = Path(folder) / "views.toml"
        views.save("eau", "~b eau")
        views.save("fr haute", "~l fr ~p haute ~d <30d")
        counts = views.counts()
        figures = {
            "views": {c.view.name: c.count for c in counts},
            "all_views_ms": median_ms(views.counts),
            "open_count_ms": median_ms(
                lambda: desk.queries.count(QueueFilter(view="open", me="amelie"))
            ),
            "mentions": desk.queries.count(QueueFilter(view="all")),
            "build_s": round(built, 1),
        }
        desk.close()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
