"""The browser tests: Debian's ``chromium`` driven by Playwright's Python package (pointed at it
with ``executable_path``: no browser download), against a real ``desk serve``.

They run wherever ``/usr/bin/chromium`` (or ``chromium`` on PATH) and Playwright are installed,
and skip elsewhere with the reason; with ``DESK_CI_BROWSER=1`` (.ci/run) a missing piece fails
them instead, so CI cannot pass without having run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return "Debian's chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; no browser download)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's), shared by one module's tests. Not by the session:
    Playwright's sync API holds an event loop while it runs, and pytest-asyncio's tests
    elsewhere need theirs."""
    why = _missing()
    if why is not None:
        if os.environ.get("DESK_CI_BROWSER") == "1":
            pytest.fail(f"DESK_CI_BROWSER=1 but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()
