"""Start-up of the ``desk`` command and the cost of a few read-only commands over it.

Every figure is the median (and worst) wall time of a fresh ``python -m desk ...`` process, beside
its baselines measured in the same run: the bare interpreter (``python -c pass``) and, for the
commands that read a database, ``desk --version`` run before each of their runs (their figures
"over start-up" are the command's median minus that of those ``--version`` runs, in wall and
CPU time). The database is built as bench_review builds it (benchmarks/_scale.py, a fifth of
the mentions with a sent reply). Prints JSON, with the heavy
packages each kind of command loads (``version_imports``, ``queue_imports``, ``replies_imports``:
the read-only commands are answered by desk.cli._fast without any of them once an ordinary
command has recorded desk.toml as checked, which each command's untimed first run does).

Targets (issue 16): ``--version`` < 100 ms; ``queue --json --limit 50`` < 50 ms over start-up;
``replies --search WORD`` < 30 ms over start-up; the report's own target (< 300 ms) is
in-process (bench_review): ``report --json`` here is the whole command, for reference.

    python benchmarks/bench_startup.py [--n 1000000] [--runs 7] [--no-db] [--db FILE]

``--db FILE`` keeps the database it builds in FILE and reuses it when it exists (building 1M
mentions takes minutes on a busy machine). ``--against DIR`` times another checkout of desk
(e.g. ``git worktree add /tmp/before HEAD~3``) in the same run, its runs alternating with
this one's: each figure then has an ``against`` beside it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _run_once(argv: list[str], env: dict[str, str], tree: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv`` in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=tree, capture_output=True, check=False)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed: {done.stderr.decode(errors='replace')[-800:]}")
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def timed(
    argv: list[str],
    runs: int,
    env: dict[str, str],
    trees: Sequence[Path] = (ROOT,),
    *,
    baseline: list[str] | None = None,
) -> dict[str, Any]:
    """Median and worst wall time, and median CPU time (user + system: steadier on a shared
    machine), of ``argv`` run ``runs`` times after one warm-up run. ``python -m desk`` runs the
    code of its working folder: with several ``trees`` (this checkout, then ``--against``),
    their runs alternate, so each sees the same load, and the others' figures come under
    ``against``. With a ``baseline`` command (``desk --version``), each run of ``argv`` follows
    one of it, and ``over_startup_ms`` (``over_startup_cpu_ms``) is the difference of the two
    medians measured side by side: on a shared machine the load changes within minutes."""
    wall: dict[Path, list[float]] = {tree: [] for tree in trees}
    cpu: dict[Path, list[float]] = {tree: [] for tree in trees}
    base_wall: dict[Path, list[float]] = {tree: [] for tree in trees}
    base_cpu: dict[Path, list[float]] = {tree: [] for tree in trees}
    for index in range(runs + 1):
        for tree in trees:
            if baseline is not None:
                b_wall, b_cpu = _run_once(baseline, env, tree)
            elapsed, used = _run_once(argv, env, tree)
            if index:  # the first run warms the page cache and the .pyc files
                wall[tree].append(elapsed)
                cpu[tree].append(used)
                if baseline is not None:
                    base_wall[tree].append(b_wall)
                    base_cpu[tree].append(b_cpu)

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    figures = []
    for tree in trees:
        figure: dict[str, Any] = {
            "median_ms": ms(wall[tree]),
            "max_ms": round(max(wall[tree]) * 1000, 1),
            "cpu_median_ms": ms(cpu[tree]),
        }
        if baseline is not None:
            figure["startup_median_ms"] = ms(base_wall[tree])
            figure["over_startup_ms"] = round(ms(wall[tree]) - ms(base_wall[tree]), 1)
            figure["over_startup_cpu_ms"] = round(ms(cpu[tree]) - ms(base_cpu[tree]), 1)
        figures.append(figure)
    out: dict[str, Any] = figures[0]
    if len(figures) > 1:
        out["against"] = figures[1]
    return out


def heavy_modules(env: dict[str, str], argv: Sequence[str] = ("--version",)) -> list[str]:
    """The third-party packages ``desk ARGV`` imports (pydantic, SQLAlchemy, ... )."""
    code = (
        "import sys\nfrom desk.cli import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stderr.split()
    watched = {
        "pydantic",
        "pydantic_settings",
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "textual",
        "httpx",
        "regex",
        "lingua",
        "tomlkit",
        "ahocorasick",
        "platformdirs",
    }
    return sorted(m for m in out if m in watched)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-db", action="store_true", help="only --version and -h")
    parser.add_argument("--db", type=Path, help="build the database here, or reuse it")
    parser.add_argument("--against", type=Path, help="another checkout, timed alternately")
    args = parser.parse_args()
    env = {**os.environ, "DESK_LANG": "en"}
    # as installed: the warm-up run writes the .pyc files the timed runs load
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    py = sys.executable
    trees = (ROOT, args.against.resolve()) if args.against else (ROOT,)
    desk = [py, "-m", "desk"]
    out: dict[str, object] = {
        "bare_python": timed([py, "-c", "pass"], args.runs, env),
        "version": timed([*desk, "--version"], args.runs, env, trees),
        "help": timed([*desk, "-h"], args.runs, env, trees),
        "version_imports": heavy_modules(env),
        "target_version_ms": 100,
    }
    if not args.no_db:
        from benchmarks._scale import build
        from benchmarks.bench_review import add_replies
        from desk.cli.demo import bundled_feeds

        with tempfile.TemporaryDirectory() as tmp:
            path = args.db or Path(tmp) / "startup.db"
            began = time.perf_counter()
            if not path.exists():
                build(path, args.n)
                add_replies(path)
            out["build_seconds"] = round(time.perf_counter() - began, 1)
            with sqlite3.connect(path) as conn:
                out["mentions"] = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
                out["replies"] = conn.execute("SELECT count(*) FROM replies").fetchone()[0]
            # the commands run as the sample's first person, this OS login mapped to her (as
            # the demo does), so no passphrase is asked; the staff records decide who is who
            login = getpass.getuser()
            sample = (bundled_feeds() / "desk.toml").read_text(encoding="utf-8")
            config = Path(tmp) / "desk.toml"
            config.write_text(
                sample.replace("os_users = []", f"os_users = [{json.dumps(login)}]", 1)
            )
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE staff SET os_users = ? WHERE name = 'amelie'", (login,))
            base = [*desk, "--db", str(path), "--config", str(config)]
            commands = {
                "queue_json_limit_50": ["queue", "--json", "--limit", "50"],
                "replies_search_common": ["replies", "--search", "collecte", "--json"],
                "replies_search_rare": ["replies", "--search", "refoulement", "--json"],
                "report_json_whole_period": ["report", "--json", "--since", "2000-01-01"],
            }
            for label, command in commands.items():
                runs = 3 if label.startswith("report") else args.runs
                version = [*desk, "--version"]
                out[label] = timed([*base, *command], runs, env, trees, baseline=version)
            # what the read-only commands load (issue 16: none of SQLAlchemy, pydantic, ...)
            out["queue_imports"] = heavy_modules(env, [*base[3:], *commands["queue_json_limit_50"]])
            out["replies_imports"] = heavy_modules(
                env, [*base[3:], *commands["replies_search_common"]]
            )
            out["targets_over_startup_ms"] = {"queue_json_limit_50": 50, "replies_search": 30}
            # the report's target (< 300 ms) is the report itself, in-process: bench_review;
            # here, the whole command (imports, opening the desk, the report) for reference
            out["report_target"] = "< 300 ms in-process (benchmarks/bench_review.py)"
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
