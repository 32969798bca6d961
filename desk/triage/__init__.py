"""Triage: rules are data (parsed from TOML); ``evaluate`` is pure and does no I/O.

This is the minimal keyword engine of the foundation; the full rule language grows here.
"""

from desk.triage.engine import Decision, evaluate
from desk.triage.rules import Rule, RuleSet, load_rules

__all__ = ["Decision", "Rule", "RuleSet", "evaluate", "load_rules"]
