"""Triage rules, routing, language, re-triage."""
