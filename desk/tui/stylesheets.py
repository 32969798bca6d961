"""The TUI's two stylesheets: the queue's, read before the first paint, and the other screens'.

The app's own stylesheet (``desk.tcss``) holds only what the queue screen draws: Textual parses
it, and matches every widget against its rules, before the first frame (bench_ui's first paint).
The other screens' rules (``screens.tcss``: the detail, the dialogs, the tables...) are each of
those screens' ``CSS_PATH``; Textual reads it when the first of them is shown, and the app reads
it when it mounts the detail screen, just after the first paint (desk.tui.navigation), so no
screen ever opens unstyled or pays for the whole stylesheet being applied again on its first open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App

HERE = Path(__file__).parent
QUEUE = HERE / "desk.tcss"
SCREENS = HERE / "screens.tcss"


def read_screens(app: App[Any]) -> None:
    """Add the other screens' rules to the app's stylesheet (once), before their widgets
    mount. Unlike Textual when a screen with a new ``CSS_PATH`` is shown, nothing mounted is
    styled again (none of those rules names the queue's widgets; restyling the app took ~30 ms
    of the first key pressed after the first paint), and only the new file is parsed (the
    others' rules are kept by the stylesheet)."""
    stylesheet = app.stylesheet
    if not stylesheet.has_source(str(SCREENS), ""):
        stylesheet.read(SCREENS)
        stylesheet.parse()
