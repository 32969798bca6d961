"""Stopping long-running loops (``desk watch``, the desk's background thread) cleanly.

A loop is told to stop with an ``asyncio.Event`` (same event loop, e.g. a signal handler) or a
``threading.Event`` (set from another thread, e.g. the terminal UI's); ``wait_or_stop`` sleeps
until the next round or until it is set, whichever comes first.
"""

from __future__ import annotations

import asyncio
import threading

StopEvent = asyncio.Event | threading.Event


async def wait_or_stop(stop_event: StopEvent, seconds: float | None) -> bool:
    """Wait until ``stop_event`` is set (True) or ``seconds`` pass (False; None: no limit)."""
    if isinstance(stop_event, asyncio.Event):
        if seconds is None:
            await stop_event.wait()
            return True
        try:
            await asyncio.wait_for(stop_event.wait(), seconds)
        except TimeoutError:
            return False
        return True
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    while not stop_event.is_set():
        left = 0.2 if deadline is None else min(0.2, deadline - loop.time())
        if left <= 0:
            return False
        await asyncio.sleep(left)
    return True
