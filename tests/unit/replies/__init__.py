"""Replies: claims, approval, the outbox."""
