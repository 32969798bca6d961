"""Replies: writing, the collision guard, four eyes, and delivery exactly once (the outbox)."""
