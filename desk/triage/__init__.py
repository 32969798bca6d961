"""Triage: rules are data (parsed from TOML); ``evaluate`` is pure and does no I/O.

- ``words``: word lists compiled into one lookup; ``conditions``: all/any/not and the rest;
- ``rules``: the rule file, validated whole (``parse_rules``, ``load_rules``, the default pack);
- ``engine.evaluate``: facts + rules -> Decision, with the rules ``compiled`` once into bit masks
  (``reference`` applies them one condition object at a time: the yardstick for tests and
  benchmarks); ``decision``: the Decision, explained on demand; ``routing.Router``: who takes it;
- ``language.detect``: offline language detection; ``pipeline.Triage`` ties them together;
- ``explain``: a decision in words (French or English); ``policy``: the publishable document;
- ``evaluation``: precision, recall and F1 against a labelled set.
"""

from desk.triage.engine import Decision, evaluate
from desk.triage.rules import Known, Rule, RulesError, RuleSet, load_rules

__all__ = ["Decision", "Known", "Rule", "RuleSet", "RulesError", "evaluate", "load_rules"]
