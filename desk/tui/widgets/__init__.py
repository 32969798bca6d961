"""Widgets of the desk TUI. Widgets post intent messages; they never call services."""
