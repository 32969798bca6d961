"""Reading the team's files without trusting them: moved to desk.files (a foundation module, so
the command line can read desk.toml's language without loading pydantic); re-exported here."""

from desk.files import MAX_DEPTH, TomlTooDeep, loads_toml, read_limited

__all__ = ["MAX_DEPTH", "TomlTooDeep", "loads_toml", "read_limited"]
