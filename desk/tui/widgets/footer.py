"""DeskFooter: Textual's footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` throws its key widgets away and mounts new ones (each styled again) every
time the screen's bindings are refreshed: on every screen shown again, every focus change, every
``refresh_bindings``. Most of those refreshes leave the same keys, so the footer compares what it
would show with what it shows and rebuilds only when they differ (another language, a key
enabled or hidden). Measured by benchmarks/bench_ui.py (opening a mention and going back).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class DeskFooter(Footer):
    """A ``Footer`` that skips rebuilding when the keys to show are the ones shown."""

    def __init__(self, *, compact: bool = True, show_command_palette: bool = False) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._shown: tuple[object, ...] | None = None

    def _keys(self, screen: Screen[object]) -> tuple[object, ...]:
        """What the footer draws from the bindings: key, label, action, state, tooltip, group
        (the key as shown follows from ``key`` and ``key_display``: ``App.get_key_display``,
        which desk does not override, is not asked each time, ~4 times per mention opened)."""
        app = self.app
        return (
            self.compact,
            self.show_command_palette,
            *(
                (
                    binding.key,
                    binding.key_display,
                    binding.description,
                    binding.action,
                    enabled,
                    tooltip,
                    binding.group,
                )
                for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
                if binding.show or key == app.COMMAND_PALETTE_BINDING
            ),
        )

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild (as ``Footer`` does) only when the keys to show changed."""
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            keys = self._keys(screen)
            if keys == self._shown:
                self._bindings_ready = True
                return
            self._shown = keys
        super().bindings_changed(screen)
