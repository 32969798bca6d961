"""Tests of desk.text."""
