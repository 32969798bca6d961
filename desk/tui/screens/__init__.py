"""Screens of the desk TUI, one per module."""
