"""Queue search at scale (issue 13: the first page in < 20 ms in-process at 1M mentions).

Builds (or reuses, with ``--db``) a desk of N mentions (benchmarks/_scale.py; the FTS5 index is
filled by migration 0015's triggers), then times, in-process, the first page of 50 of the open
queue for: a common word, a very common one, a rare word, an author, and a filter line of patterns — each beside
the baseline from the same run: the same first page with no search at all.

    python benchmarks/bench_search.py [N] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from benchmarks._scale import build  # noqa: E402
from desk.bootstrap import open_desk  # noqa: E402
from desk.db.store import QueueFilter  # noqa: E402
from desk.i18n import Catalog  # noqa: E402
from desk.search import parse  # noqa: E402


def median_ms(call: Callable[[], object], runs: int = 15) -> float:
    """Median wall time of ``call`` in milliseconds (one warm-up run first)."""
    call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 2)


def main() -> None:
    """Build, measure, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "search.db"
        began = time.perf_counter()
        settings = build(path, args.n)
        built = time.perf_counter() - began
        desk = open_desk(settings, as_name="amelie")
        base = QueueFilter(view="open", me="amelie")
        line = parse(
            "~p haute ~b eau ~d <30d",
            now=desk.clock(),
            tz=ZoneInfo(desk.config.hours.timezone),
            catalogs=[Catalog("fr"), Catalog("en")],
        )
        cases = {
            "common_word": replace(base, search="eau"),  # in 7.5 % of the mentions
            "very_common_word": replace(base, search="la"),  # in 32 %
            "rare_word": replace(base, search="ébullition"),
            "author": replace(base, author="renee"),
            "pattern_line": replace(base, **line.filter_fields()),
        }
        figures = {
            name: {
                "first_page_ms": median_ms(partial(desk.queries.page, flt, 0, 50)),
                "found_on_page": len(desk.queries.page(flt, 0, 50)),
            }
            for name, flt in cases.items()
        }
        baseline = median_ms(lambda: desk.queries.page(base, 0, 50))
        rows = desk.queries.count(QueueFilter(view="all"))
        desk.close()
    print(
        json.dumps(
            {
                "mentions": rows,
                "build_seconds": round(built, 1),
                "target_first_page_ms": 20,
                "baseline_first_page_no_search_ms": baseline,
                **figures,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
