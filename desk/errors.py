"""Errors the user sees: a message saying what is wrong and a hint saying what to do.

Everything expected (bad input, unknown staff, a refused action) is a ``DeskError``; the CLI prints
it without a traceback and the TUI shows it in a notification. Anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from desk.i18n import Catalog, Labels


class DeskError(Exception):
    """Base of every error meant for the user.

    An error raised with ``key`` (see ``from_catalog``) can be shown in the interface language:
    ``localized(catalog.t)`` looks up ``errors.<key>`` and ``errors.<key>_hint``.
    """

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.key = key
        self.params = params or {}

    @classmethod
    def from_catalog(cls, key: str, **params: Any) -> Self:
        """The error whose English text is ``errors.<key>`` (and ``errors.<key>_hint``, if any)."""
        english = Catalog("en")
        shown = rendered(params, english.t)
        hint = english.t(f"errors.{key}_hint", **shown)
        return cls(
            english.t(f"errors.{key}", **shown),
            None if hint == f"errors.{key}_hint" else hint,
            key=key,
            params=params,
        )

    def localized(self, t: Callable[..., str]) -> tuple[str, str | None]:
        """Message and hint in the language of ``t`` (a Catalog.t); English text as fallback."""
        if not self.key:
            return self.message, self.hint
        params = rendered(self.params, t)
        message = t(f"errors.{self.key}", **params)
        hint = t(f"errors.{self.key}_hint", **params) if self.hint else None
        return (
            self.message if message == f"errors.{self.key}" else message,
            self.hint if hint == f"errors.{self.key}_hint" else hint,
        )

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


def rendered(params: dict[str, Any], t: Callable[..., str]) -> dict[str, Any]:
    """An error's ``params`` to format a text with: record words (desk.i18n.Labels) and
    another error's words (Said) in the language of ``t`` (a Catalog.t)."""
    return {
        k: v.render(t) if isinstance(v, (Labels, Said, Phrase)) else v for k, v in params.items()
    }


class Phrase:
    """A value of an error's text worded by the catalogs, said in the reader's language when
    the error is shown: ``render(t)`` calls the function given with ``t`` (a Catalog.t)."""

    def __init__(self, words: Callable[[Callable[..., str]], str]) -> None:
        self.words = words

    def render(self, t: Callable[..., str]) -> str:
        """The words in the language of ``t``."""
        return self.words(t)

    def __str__(self) -> str:
        return self.words(Catalog("en").t)


class Said:
    """Another error's message (or ``hint``) as a value of this one's text, said in the
    reader's language: ``view "eau": ~p foo: ...``."""

    def __init__(self, error: DeskError, *, hint: bool = False) -> None:
        self.error = error
        self.hint = hint

    def render(self, t: Callable[..., str]) -> str:
        """The message or hint in the language of ``t``."""
        message, hint = self.error.localized(t)
        return (hint or "") if self.hint else message

    def __str__(self) -> str:
        return (self.error.hint or "") if self.hint else self.error.message


class Worded(str):
    """A text in English (what it is, as a ``str``: JSON, logs, the English tests) that can
    also be said in the reader's language: ``render(t)`` calls the function given with ``t``
    (a Catalog.t). An import's per-item lines are such texts (desk.channels.ingest)."""

    words: Callable[[Callable[..., str]], str]

    def __new__(cls, words: Callable[[Callable[..., str]], str]) -> Worded:
        text = super().__new__(cls, words(Catalog("en").t))
        text.words = words
        return text

    def render(self, t: Callable[..., str]) -> str:
        """The text in the language of ``t``."""
        return self.words(t)


def said_in(text: str, t: Callable[..., str]) -> str:
    """``text`` in the language of ``t`` when it is ``Worded``, else as it is."""
    return text.render(t) if isinstance(text, Worded) else text


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
