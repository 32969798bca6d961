"""The answer library: approved answers, their TOML file format, and suggestions."""
