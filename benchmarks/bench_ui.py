"""UI responsiveness at 10k, 100k and 1M mentions (headless Textual, real SQLite files).

For each size: time to first paint of the queue (from opening the desk — config, rules,
database — until the app writes a screen that shows the first page of rows) beside a bare
Textual app (Header, a Static, Footer) started the same way in the same process (the best of
ten: three before the desk, seven taking turns with the desk's later openings):
``first_paint_s`` is the desk's first opening in the process (its one-off costs included:
catalogs, stylesheet and the database's first reads), ``first_paint_warm_s`` the best of seven
openings after it. Then keypress-to-render latency for the first key right after
the first paint (``first_move_ms``, while the start-up work goes on), for moving the cursor
(``down``, with page loads on the way; once the start-up work is done) and for opening an item
(``enter`` until the detail is loaded and drawn), and the process's resident memory with the app
open (``rss_mb``). Prints JSON, each figure beside its baseline from the same run.

Each size is measured in a fresh Python process that never built a database nor loaded the
language models (the databases are built in a process of their own, or given with ``--db``):
``rss_mb`` is the UI's memory (with desk's modules and the open database), beside
``bare_rss_mb``, a bare Textual app in a fresh process of its own, and ``rss_before_open_mb``,
the measuring process with every module imported but no desk opened yet. The UI holds only the
pages it shows: ``rss_mb`` should not grow with the queue.

Latency is measured from the moment the key event is handed to the app's driver (as a terminal
would) to the moment the app writes an updated screen showing the result (``App._display``), not
with Pilot's ``press``, whose idle-waiting sleeps in 20 ms steps and would swamp the figures.
Beside each wall-clock figure, the ``*_cpu`` ones: the process's CPU time (every thread) over
the same interval, which other programs running on the machine inflate much less.
Keys come at most one every ``KEY_PACE`` seconds (25 a second, a keyboard's auto-repeat): Textual
writes at most 60 screens a second, so a key sent the instant the previous screen was written
waits for the next frame — keys faster than the screen can show them would measure that wait.

Targets (issue 16): first paint <= 1.5x the bare app; open p95 < 33 ms and max < 100 ms;
cursor move p95 < 16 ms (one frame at 60 Hz); rss_mb the same at every size.

    python benchmarks/bench_ui.py [--sizes 10000,100000,1000000] [--presses 200]
    python benchmarks/bench_ui.py --db 10000=/tmp/a.db,1000000=/tmp/b.db   # reuse databases

A database given with ``--db`` is opened (and upgraded) as it is: give a copy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Footer, Header, Static  # noqa: E402

# desk's modules are imported where the desk is measured: the ``--bare-rss`` process holds only
# Textual (and this script).

SIZE = (160, 45)
KEY_PACE = 0.040  # seconds between keys at most: X11's default auto-repeat rate (25/s)
OPENS = 60  # enough samples for a p95 that is not just the second-largest value
WARM_TURNS = 7  # openings of the desk again, each after one of the bare app


class BareApp(App[None]):
    """The baseline: a minimal Textual app with a header, a line of text and a footer."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("bare")
        yield Footer()


async def _until(condition, pilot, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not reached")
        await pilot.pause(0.001)


async def bare_first_paint() -> tuple[float, float]:
    """Seconds (wall, and this process's CPU) from start until the bare app has written its
    first screen."""
    began, began_cpu = time.perf_counter(), time.process_time()
    app = BareApp()
    probe = DisplayProbe(app)
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(probe.event.wait(), 10)
        return probe.first_content - began, probe.first_content_cpu - began_cpu


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB: the UI's memory should not grow
    with the queue (issue 16). Each size runs in a process of its own (see ``run``)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


class DisplayProbe:
    """Records when the app last wrote a screen update."""

    def __init__(self, app: App[None], shows_content=lambda: True) -> None:
        self.last = 0.0
        self.sent = 0.0  # when the last key was sent
        self.cpu: list[float] = []  # the process's CPU time over each key_to_render
        self.last_cpu = 0.0
        self.first_content_cpu = 0.0
        self.first_content = 0.0
        self.event = asyncio.Event()
        original = app._display

        def display(screen, renderable):
            original(screen, renderable)
            self.last = time.perf_counter()
            self.last_cpu = time.process_time()
            if not self.first_content and shows_content():
                self.first_content = self.last
                self.first_content_cpu = self.last_cpu
            self.event.set()

        app._display = display  # type: ignore[method-assign]

    async def key_to_render(self, app: App[None], key: str, done, timeout: float = 10.0) -> float:
        """Seconds from sending ``key`` until a screen update is written after ``done()`` holds."""
        assert app._driver is not None
        wait = self.sent + KEY_PACE - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        began = self.sent = time.perf_counter()
        began_cpu = time.process_time()
        app._driver.send_message(events.Key(key, None))
        while True:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), timeout)
            if done():
                self.cpu.append(self.last_cpu - began_cpu)
                return self.last - began


def _opened(settings):
    """The desk opened and its app made, timed from now: (wall start, CPU start, desk, app, a
    probe that notes the first screen showing rows of the queue)."""
    from desk.bootstrap import open_desk
    from desk.tui.app import make_app
    from desk.tui.widgets.queue_list import QueueList

    began, began_cpu = time.perf_counter(), time.process_time()
    desk = open_desk(settings, as_name="amelie")
    app = make_app(desk)

    def rows_shown() -> bool:
        lists = app.screen.query(QueueList)
        return bool(lists) and lists.first().row_at(0) is not None

    return began, began_cpu, desk, app, DisplayProbe(app, rows_shown)


async def measure_desk(settings, presses: int) -> dict[str, float]:
    """First paint, cursor-move and open-item latencies for one database."""
    from desk.tui.screens.detail import DetailScreen
    from desk.tui.widgets.queue_list import QueueList

    before_open = rss_mb()
    began, began_cpu, desk, app, probe = _opened(settings)
    async with app.run_test(size=SIZE) as pilot:
        queue = app.screen.query_one(QueueList)
        await _until(lambda: probe.first_content > 0, pilot)
        first_paint = probe.first_content - began
        first_paint_cpu = probe.first_content_cpu - began_cpu
        # The first key right after the first paint, while the start-up work (count, first
        # pages, the detail screen mounted aside, the warm-up) is going on...
        first_move = await probe.key_to_render(
            app, "down", lambda: queue.cursor == 1 and queue.current is not None
        )
        probe.cpu = []
        # ...then the measured keys, once that work is done, as a person would use the desk.
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        moves: list[float] = []
        for _ in range(presses):
            target = queue.cursor + 1
            moves.append(
                await probe.key_to_render(
                    app, "down", lambda t=target: queue.cursor == t and queue.current is not None
                )
            )
        move_cpu, probe.cpu = probe.cpu, []
        await pilot.press("end")
        await _until(lambda: queue.current is not None, pilot)
        opens: list[float] = []
        for _ in range(OPENS):
            opens.append(
                await probe.key_to_render(
                    app,
                    "enter",
                    lambda: isinstance(app.screen, DetailScreen) and app.screen.detail is not None,
                )
            )
            await pilot.press("escape")
            await _until(lambda: not isinstance(app.screen, DetailScreen), pilot)
            await pilot.press("up")
            await _until(lambda: queue.current is not None, pilot)
        rss = rss_mb()  # with the app still open, after every move and open
        open_cpu = probe.cpu
    desk.close()
    return {
        "first_paint_s": round(first_paint, 3),
        "first_paint_cpu_s": round(first_paint_cpu, 3),
        "first_move_ms": round(first_move * 1000, 1),
        "move_p50_ms": round(statistics.median(moves) * 1000, 1),
        "move_p95_ms": round(p95(moves) * 1000, 1),
        "open_p50_ms": round(statistics.median(opens) * 1000, 1),
        "open_p95_ms": round(p95(opens) * 1000, 1),
        "open_max_ms": round(max(opens) * 1000, 1),
        "move_cpu_p95_ms": round(p95(move_cpu) * 1000, 1),
        "open_cpu_p95_ms": round(p95(open_cpu) * 1000, 1),
        "open_cpu_max_ms": round(max(open_cpu) * 1000, 1),
        "rss_mb": rss,
        "rss_before_open_mb": before_open,
    }


async def warm_first_paint(settings) -> tuple[float, float]:
    """First paint (wall, CPU) of the desk opened again in this process: the one-off costs of
    a first opening (catalogs, stylesheet, the database's first reads) already paid,
    as in the bare app's figure (the best of its runs)."""
    began, began_cpu, desk, app, probe = _opened(settings)
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: probe.first_content > 0, pilot)
        await app.workers.wait_for_complete()
    desk.close()
    return probe.first_content - began, probe.first_content_cpu - began_cpu


async def measure_one(path: Path, presses: int) -> dict[str, object]:
    """One size, in this (fresh) process: the bare baseline first, then the desk."""
    from desk.cli.demo import bundled_feeds
    from desk.config import Settings

    bares = [await bare_first_paint() for _ in range(3)]  # Textual's one-off costs paid here
    settings = Settings(db=str(path), config=bundled_feeds() / "desk.toml")
    figures: dict[str, object] = dict(await measure_desk(settings, presses))
    # then the bare app and the desk opened again take turns, WARM_TURNS times each, so that
    # a machine busy for a moment slows both alike (a bare first paint varies 11-24 ms between
    # runs of one idle machine): the best of each
    warm = []
    for _ in range(WARM_TURNS):
        bares.append(await bare_first_paint())
        warm.append(await warm_first_paint(settings))
    bare, bare_cpu = min(b[0] for b in bares), min(b[1] for b in bares)
    figures["bare_first_paint_s"] = round(bare, 3)
    figures["first_paint_ratio"] = round(float(figures["first_paint_s"]) / bare, 2)  # type: ignore[arg-type]
    warm_s, warm_cpu = min(w[0] for w in warm), min(w[1] for w in warm)
    figures["first_paint_warm_s"] = round(warm_s, 3)
    figures["first_paint_warm_ratio"] = round(warm_s / bare, 2)
    figures["first_paint_warm_cpu_ratio"] = round(warm_cpu / bare_cpu, 2)
    figures["bare_first_paint_cpu_s"] = round(bare_cpu, 3)
    figures["first_paint_cpu_ratio"] = round(float(figures["first_paint_cpu_s"]) / bare_cpu, 2)  # type: ignore[arg-type]
    return figures


async def bare_rss() -> float:
    """Resident memory of a bare Textual app, open, in a fresh process (``--bare-rss``)."""
    app = BareApp()
    probe = DisplayProbe(app)
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(probe.event.wait(), 10)
        return rss_mb()


def _child(*args: str) -> dict[str, object]:
    """Run this script with ``args`` in a fresh interpreter; its JSON output."""
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def run(sizes: dict[int, Path | None], presses: int, folder: Path) -> dict[str, object]:
    """All sizes, each measured in a fresh process, with the baselines of this run beside."""
    results = []
    for size, given in sizes.items():
        path = given or folder / f"ui-{size}.db"
        if given is None:  # built in a process of its own: its ingest loads the language models
            subprocess.run([sys.executable, __file__, "--build", str(path), str(size)], check=True)
        figures = _child("--measure", str(path), "--presses", str(presses))
        bare_rss_mb = _child("--bare-rss")["rss_mb"]
        figures = {
            "mentions": size,
            **figures,
            "bare_rss_mb": bare_rss_mb,
            "ui_rss_over_bare_mb": round(float(figures["rss_mb"]) - float(bare_rss_mb), 1),  # type: ignore[arg-type]
        }
        results.append(figures)
    rss = [float(r["rss_mb"]) for r in results]  # type: ignore[arg-type]
    return {
        "benchmark": "ui",
        "terminal": f"{SIZE[0]}x{SIZE[1]}",
        "presses": presses,
        "opens": OPENS,
        "targets": {
            "first_paint_ratio": 1.5,
            "open_p95_ms": 33,
            "open_max_ms": 100,
            "move_p95_ms": 16,
            "rss_growth_mb": "about 0 from the smallest size to the largest",
        },
        "rss_growth_mb": round(rss[-1] - rss[0], 1) if rss else None,
        "results": results,
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument(
        "--db", help="SIZE=PATH,...: measure these databases (copies: they are opened as they are)"
    )
    parser.add_argument("--build", nargs=2, metavar=("PATH", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--bare-rss", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        from benchmarks._scale import build  # the ingest: only in the building process

        build(Path(args.build[0]), int(args.build[1]))
        return
    if args.measure:
        print(json.dumps(asyncio.run(measure_one(Path(args.measure), args.presses))))
        return
    if args.bare_rss:
        print(json.dumps({"rss_mb": asyncio.run(bare_rss())}))
        return
    if args.db:
        sizes: dict[int, Path | None] = {}
        for item in args.db.split(","):
            size, _, path = item.partition("=")
            sizes[int(size)] = Path(path)
    else:
        sizes = {int(s): None for s in args.sizes.split(",")}
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(sizes, args.presses, Path(tmp)), indent=2))


if __name__ == "__main__":
    main()
