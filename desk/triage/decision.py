"""What triage decided and why: ``Decision`` and the ``Fired`` rules it names.

The compiled engine (desk.triage.engine) leaves the fired rules in compact form (their
positions, and what matched as list ids and short texts); ``Decision.fired`` turns them into
``Fired`` records only when something asks: an explanation, the stored detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from desk.triage.rules import Assign
from desk.vocabulary import PRIORITY_NAMES

DEFAULT_PRIORITY = 1  # normal


@dataclass(slots=True)
class Fired:
    """A rule that fired: what matched and what it did to the decision."""

    rule: str
    matched: tuple[str, ...]
    effects: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Plain form stored with the mention and in its audit event."""
        return {"rule": self.rule, "matched": list(self.matched), "effects": self.effects}


class FiredLater(Protocol):
    """The compact form of the fired rules (desk.triage.compiled.Found)."""

    def names(self) -> tuple[str, ...]:
        """The names of the rules that fired, in file order."""

    def fired(self) -> list[Fired]:
        """The full records, built on demand."""

    def categories(self) -> set[str]:
        """The categories the fired rules propose."""

    def matched_of(self, name: str) -> tuple[str, ...] | None:
        """What made the rule ``name`` fire (None: it did not fire)."""

    def single_match(self, name: str) -> tuple[str, ...] | None:
        """``matched_of(name)`` when it is a single word or phrase, else None."""


class GuessLater(Protocol):
    """The fallback model's guess, whose nearest examples are found on demand."""

    def to_json(self) -> dict[str, Any]:
        """The plain form stored in the decision's detail."""


@dataclass(slots=True)
class Decision:
    """What triage decided and why, in terms a supervisor can check."""

    category: str = "other"
    priority: int = DEFAULT_PRIORITY
    tags: tuple[str, ...] = ()
    spam: bool = False
    needs_approval: bool = False
    suggest: str | None = None
    assign: Assign | None = None
    assign_rule: str | None = None
    category_rule: str | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    # filled in by routing and language detection:
    assignee: str | None = None
    language: str = "other"
    language_source: str = "unknown"
    route: dict[str, Any] = field(default_factory=dict)
    found: FiredLater | None = field(default=None, repr=False, compare=False)
    """The fired rules in compact form, from the engine (None: none, or ``_fired`` holds them)."""
    guessed: GuessLater | None = field(default=None, repr=False, compare=False)
    """The learned model's guess before its plain form is built (desk.triage.fallback)."""
    _fired: list[Fired] | None = field(default=None, repr=False)
    _fallback: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def fallback(self) -> dict[str, Any] | None:
        """The learned model's guess as stored (desk.triage.fallback), None when it made none."""
        if self._fallback is None and self.guessed is not None:
            self._fallback = self.guessed.to_json()
            self.guessed = None
        return self._fallback

    @fallback.setter
    def fallback(self, value: dict[str, Any] | None) -> None:
        self._fallback, self.guessed = value, None

    @property
    def fired(self) -> list[Fired]:
        """The rules that fired, in file order, with what matched and what each did."""
        if self._fired is None:
            self._fired = self.found.fired() if self.found is not None else []
            self.found = None
        return self._fired

    @property
    def rules(self) -> tuple[str, ...]:
        """Names of the rules that fired, in file order."""
        if self._fired is None and self.found is not None:
            return self.found.names()
        return tuple(f.rule for f in self.fired)

    @property
    def matched(self) -> dict[str, list[str]]:
        """Rule name -> the words (or regex matches) that made it fire."""
        return {f.rule: list(f.matched) for f in self.fired}

    def detail(self) -> dict[str, Any]:
        """The full explanation as plain data (stored; rendered in either language)."""
        return {
            "category": self.category,
            "category_rule": self.category_rule,
            "priority": PRIORITY_NAMES[self.priority],
            "tags": list(self.tags),
            "spam": self.spam,
            "needs_approval": self.needs_approval,
            "suggest": self.suggest,
            "language": {"code": self.language, "source": self.language_source},
            "fired": [f.to_json() for f in self.fired],
            "notes": self.notes,
            "route": self.route,
        } | ({"fallback": self.fallback} if self.fallback is not None else {})
