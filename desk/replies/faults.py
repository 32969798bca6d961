"""Crash points for the tests that kill desk mid-step (``DESK_FAULT_AT``), like a power cut.

``DESK_FAULT_AT=STEP`` kills the process with SIGKILL the first time it reaches ``STEP``;
``STEP#N`` the N-th time (a batch killed at its third post). Unset, ``fault_point`` does
nothing. desk.replies.outbox re-exports both names, where the crash tests import them.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "DESK_FAULT_AT"
_REACHED: dict[str, int] = {}


def fault_point(step: str) -> None:
    """Die here when a crash test asked for this step (and this time of reaching it)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted or wanted.partition("#")[0] != step:
        return
    _REACHED[step] = _REACHED.get(step, 0) + 1
    nth = wanted.partition("#")[2]
    if not nth or (nth.isdigit() and _REACHED[step] == int(nth)):
        os.kill(os.getpid(), signal.SIGKILL)
