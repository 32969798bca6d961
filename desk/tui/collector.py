"""When the cyclic garbage collector runs while the TUI is open (measured by bench_ui).

CPython's collector walks every object of the generation it collects, and it runs whenever
enough objects were allocated: in the middle of a keypress. Three rules keep it off the keys:

- What lives as long as the app is out of its sight (``gc.freeze``): what was loaded before
  the app started (``start``; the collector is off until the first frame), then what the
  start-up built (``settle``: widgets, styles,
  the detail screen mounted aside, ~60,000 objects; the first collection of the middle
  generation would otherwise walk them all, ~50 ms, on some later key).
- The young generation is collected often and so cheaply (every 2,000 objects, ~0.3 ms): at
  20,000 each collection took ~10 ms and one cursor move in twenty-five paid it.
- The middle generation, where the garbage of opened mentions gathers (tens of thousands of
  objects, 50-200 ms to walk), is collected while nobody types: after ``IDLE_SECONDS`` without
  a key or a click (``IdleCollector``), and only otherwise when a long session never pauses.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

YOUNG, MIDDLE, OLD = 2_000, 1_000, 100  # gc.set_threshold
IDLE_SECONDS = 1.0
IDLE_AFTER = 20  # young collections since the last middle one before an idle collection


_started = False
_paused = False  # start() turned the collector off until drawn()


def start() -> None:
    """Before the app starts (``make_app``): what is loaded so far lives as long as the app,
    and nothing is collected until the first frame is drawn (``drawn``): what the app builds
    until then lives on too (young collections cost 1-6 ms of the first paint, for nothing)."""
    global _started, _paused
    gc.freeze()  # O(1); no gc.collect() first: it would cost ~100 ms of start-up
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    _paused = gc.isenabled()
    gc.disable()
    _started = True


def drawn() -> None:
    """The first frame is drawn: what was built for it lives on (frozen: else the first young
    collection would walk all of it, ~60,000 objects, on the first key), and the collector
    runs again (as ``start`` found it)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def settle() -> None:
    """The start-up work is done: what it built lives as long as the app too. Only after
    ``start`` (one app in the process): tests build many apps in one process, and a freeze
    would keep the garbage of the earlier ones for good."""
    if _started:
        gc.freeze()


class IdleCollector:
    """Collects the middle generation once the person has stopped typing for a moment."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_input = clock()

    def input(self) -> None:
        """A key or a mouse event came in."""
        self.last_input = self.clock()

    def tick(self) -> bool:
        """Called every so often: collect if idle and there is enough to collect (not while
        the collector is off: an import pauses it, desk.gcpause)."""
        if not gc.isenabled():
            return False
        if self.clock() - self.last_input < IDLE_SECONDS or gc.get_count()[1] < IDLE_AFTER:
            return False
        gc.collect(1)
        return True
