"""Tests of desk; see tests/conftest.py for the fixtures and tests/helpers for the rest."""
