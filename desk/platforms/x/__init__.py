"""X (API v2): payloads (mentions timeline) and the live client."""
