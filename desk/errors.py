"""Errors the user sees: a message saying what is wrong and a hint saying what to do.

Everything expected (bad input, unknown staff, a refused action) is a ``DeskError``; the CLI prints
it without a traceback and the TUI shows it in a notification. Anything else is a bug.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error meant for the user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class InputError(DeskError):
    """A file or value given to desk cannot be read (malformed JSON/XML, unknown format...)."""


class ConfigError(DeskError):
    """desk.toml or the rules file is missing or wrong."""


class NotFound(DeskError):
    """A mention, staff member or event named by the user does not exist."""


class ActionRefused(DeskError):
    """The action is not allowed in the item's current state (reply too long, already closed...)."""


class PermissionDenied(DeskError):
    """The current staff member may not do this (e.g. an agent approving)."""
