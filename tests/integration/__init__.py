"""Integration tests against real servers (Bluesky's reference network on loopback)."""
