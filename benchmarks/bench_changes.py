"""How soon one desk hears another desk's change (issue 13: within 1 s); prints JSON figures.

Two processes on one SQLite file: this one watches with ``desk.db.changes.watch`` (the feed every
open desk runs), a child process commits a change every 0.3 s and writes the instant of each
commit to a pipe. Figure: the delay from the child's commit to the feed hearing it (median, p95,
max over the rounds). Baseline from the same run: the same rounds heard by a tight loop reading
``PRAGMA data_version`` every millisecond — the floor any poller could reach on this machine.

    python benchmarks/bench_changes.py [ROUNDS]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from desk.db import make_engine  # noqa: E402
from desk.db.changes import watch  # noqa: E402

WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA busy_timeout=10000")
for n in range(int(sys.argv[2])):
    time.sleep(0.3)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t(n) VALUES (?)", (n,))
    conn.execute("COMMIT")
    print(time.time(), flush=True)
"""


def tight_poller(path: str) -> Callable[[float], bool]:
    """A 1 ms ``PRAGMA data_version`` loop with the feed's ``wait`` shape (the baseline)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    last = [conn.execute("PRAGMA data_version").fetchone()[0]]

    def wait(timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            now = conn.execute("PRAGMA data_version").fetchone()[0]
            if now != last[0]:
                last[0] = now
                return True
            time.sleep(0.001)
        return False

    return wait


def delays(path: str, rounds: int, wait: Callable[[float], bool]) -> list[float]:
    """Start the writer; for each of its commits, how long until ``wait`` heard it (ms)."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, path, str(rounds)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    found: list[float] = []
    for _ in range(rounds):
        if not wait(5.0):
            raise SystemExit("a change was not heard within 5 s")
        heard = time.time()
        committed = float(writer.stdout.readline())
        found.append(max(0.0, (heard - committed) * 1000))
    writer.wait(timeout=30)
    return found


def summary(values: list[float]) -> dict[str, float]:
    """Median, p95 and max, in milliseconds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=20, help="rounds (default 20)")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "changes.db")
        setup = sqlite3.connect(path, isolation_level=None)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t(n INTEGER)")
        setup.close()
        engine = make_engine(path)
        feed = watch(engine)
        feed.wait(0.01)  # the starting point
        heard = delays(path, rounds, feed.wait)
        feed.close()
        floor = delays(path, rounds, tight_poller(path))
        engine.dispose()
    print(
        json.dumps(
            {
                "rounds": rounds,
                "target_ms": 1000,
                "desk_feed": summary(heard),
                "baseline_tight_poll_1ms": summary(floor),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
