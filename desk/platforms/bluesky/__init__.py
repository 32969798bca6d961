"""Bluesky: payloads (listNotifications) and the live client (AT Protocol sessions, records)."""
