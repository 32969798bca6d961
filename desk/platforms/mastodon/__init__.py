"""Mastodon: payloads (notifications) and the live client (mentions, replies, idempotency keys)."""
