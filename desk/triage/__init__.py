"""Triage: rules are data (parsed from TOML); ``evaluate`` is pure and does no I/O.

- ``words``: word lists compiled into one lookup; ``conditions``: all/any/not and the rest;
- ``rules``: the rule file, validated whole (``parse_rules``, ``load_rules``, the default pack);
- ``engine.evaluate``: facts + rules -> Decision, with the rules ``compiled`` once into bit masks
  (``reference`` applies them one condition object at a time: the yardstick for tests and
  benchmarks); ``decision``: the Decision, explained on demand; ``routing.Router``: who takes it;
- ``language.detect``: offline language detection; ``pipeline.Triage`` ties them together;
- ``explain``: a decision in words (French or English); ``policy``: the publishable document;
- ``evaluation``: precision, recall and F1 against a labelled set.

The names below are imported from their modules on first use (PEP 562): importing one light
module of the package (``desk.triage.explain``, which the audit trail's wording needs) does not
load the rule engine, its regex and automaton libraries, for a command that never triages.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.triage.engine import Decision, evaluate
    from desk.triage.rules import Known, Rule, RulesError, RuleSet, load_rules

_HOMES = {
    "Decision": "desk.triage.engine",
    "evaluate": "desk.triage.engine",
    "Known": "desk.triage.rules",
    "Rule": "desk.triage.rules",
    "RulesError": "desk.triage.rules",
    "RuleSet": "desk.triage.rules",
    "load_rules": "desk.triage.rules",
}

__all__ = ["Decision", "Known", "Rule", "RuleSet", "RulesError", "evaluate", "load_rules"]


def __getattr__(name: str) -> Any:
    """``desk.triage.RuleSet`` and the rest of ``__all__``, from their modules."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'desk.triage' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
