"""desk — a terminal shared-inbox moderation desk for public-sector communications teams."""

__version__ = "0.1.0"
