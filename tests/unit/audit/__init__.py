"""The record: the chain, the log and timelines, extracts, retention."""
