"""The cyclic garbage collector paused while a batch builds many objects that live on.

Importing mentions builds several objects per mention (the parsed item, its triage decision,
its row, its audit event) that all live until the batch is written. CPython's cyclic collector
counts those allocations and, as they survive, runs full collections that walk every object of
the process: 3 s of a 22 s import of 50,000 mentions (benchmarks/bench_ingest.py, measured with
``gc.callbacks``), and more the bigger the import. They form no cycles, so those walks free
nothing. ``paused()`` turns the collector off for the batch and back on after; reference
counting still frees everything as usual, only cyclic garbage waits for the end of the batch.

Nested and concurrent uses (an import in a worker thread while another runs) are counted: the
collector comes back on when the last one ends, and only if it was on before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic garbage collection inside the ``with`` block (see the module doc)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
