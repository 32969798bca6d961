"""RSS and Atom feeds: payloads (feedparser, hardened) and the live client (conditional GET)."""
