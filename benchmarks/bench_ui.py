"""UI responsiveness at 10k, 100k and 1M mentions (headless Textual, real SQLite files).

For each size: time to first paint of the queue (from opening the desk — config, database —
until the app writes a screen that shows the first page of rows) beside a bare Textual app (Header, a Static, Footer) started the same way in the same
run; then keypress-to-render latency for moving the cursor (``down``, with page loads on the
way) and for opening an item (``enter`` until the detail is loaded and drawn), and the
process's resident memory with the app open (``rss_mb``). Prints JSON.

Latency is measured from the moment the key event is handed to the app's driver (as a terminal
would) to the moment the app writes an updated screen showing the result (``App._display``), not
with Pilot's ``press``, whose idle-waiting sleeps in 20 ms steps and would swamp the figures.

Targets: first paint <= 1.5x the bare app; keypress p95 < 50 ms.

    python benchmarks/bench_ui.py [--sizes 10000,100000,1000000] [--presses 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from the repository root

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Footer, Header, Static  # noqa: E402

from benchmarks._scale import build  # noqa: E402
from desk.bootstrap import open_desk  # noqa: E402
from desk.tui.app import make_app  # noqa: E402
from desk.tui.screens.detail import DetailScreen  # noqa: E402
from desk.tui.widgets.queue_list import QueueList  # noqa: E402

SIZE = (160, 45)
OPENS = 60  # enough samples for a p95 that is not just the second-largest value


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


async def bare_first_paint() -> float:
    """Seconds from start until the bare app has written its first screen."""
    began = time.perf_counter()
    app = BareApp()
    probe = DisplayProbe(app)
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(probe.event.wait(), 10)
        return probe.first_content - began


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB: the UI's memory should not grow
    with the queue (issue 16); sizes run smallest first, so a larger one also holds what the
    smaller left behind — an upper bound for it. The databases are built in this process too,
    whose ingest loads the language models (most of the figure; it is the same at every size)."""
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
        self.first_content = 0.0
        self.event = asyncio.Event()
        original = app._display

        def display(screen, renderable):
            original(screen, renderable)
            self.last = time.perf_counter()
            if not self.first_content and shows_content():
                self.first_content = self.last
            self.event.set()

        app._display = display  # type: ignore[method-assign]

    async def key_to_render(self, app: App[None], key: str, done, timeout: float = 10.0) -> float:
        """Seconds from sending ``key`` until a screen update is written after ``done()`` holds."""
        assert app._driver is not None
        began = time.perf_counter()
        app._driver.send_message(events.Key(key, None))
        while True:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), timeout)
            if done():
                return self.last - began


async def measure_desk(settings, presses: int) -> dict[str, float]:
    """First paint, cursor-move and open-item latencies for one database."""
    began = time.perf_counter()
    desk = open_desk(settings, as_name="amelie")
    app = make_app(desk)

    def rows_shown() -> bool:
        lists = app.screen.query(QueueList)
        return bool(lists) and lists.first().row_at(0) is not None

    probe = DisplayProbe(app, rows_shown)
    async with app.run_test(size=SIZE) as pilot:
        queue = app.screen.query_one(QueueList)
        await _until(lambda: probe.first_content > 0, pilot)
        first_paint = probe.first_content - began
        moves: list[float] = []
        for _ in range(presses):
            target = queue.cursor + 1
            moves.append(
                await probe.key_to_render(
                    app, "down", lambda t=target: queue.cursor == t and queue.current is not None
                )
            )
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
    desk.close()
    return {
        "first_paint_s": round(first_paint, 3),
        "move_p50_ms": round(statistics.median(moves) * 1000, 1),
        "move_p95_ms": round(p95(moves) * 1000, 1),
        "open_p50_ms": round(statistics.median(opens) * 1000, 1),
        "open_p95_ms": round(p95(opens) * 1000, 1),
        "open_max_ms": round(max(opens) * 1000, 1),
        "opens": len(opens),
        "rss_mb": rss,
    }


async def run(sizes: list[int], presses: int, folder: Path) -> dict[str, object]:
    """All sizes, with a bare-app baseline measured beside each."""
    results = []
    for size in sizes:
        settings = build(folder / f"ui-{size}.db", size)
        bare = min([await bare_first_paint() for _ in range(3)])
        figures = await measure_desk(settings, presses)
        figures.update(
            {
                "mentions": size,
                "bare_first_paint_s": round(bare, 3),
                "first_paint_ratio": round(figures["first_paint_s"] / bare, 2),
            }
        )
        results.append(figures)
    return {
        "benchmark": "ui",
        "terminal": f"{SIZE[0]}x{SIZE[1]}",
        "presses": presses,
        "targets": {"first_paint_ratio": 1.5, "keypress_p95_ms": 50},
        "results": results,
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(run(sizes, args.presses, Path(tmp))), indent=2))


if __name__ == "__main__":
    main()
