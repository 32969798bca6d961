"""The answer library."""
