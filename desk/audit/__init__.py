"""The record: the hash-chained audit trail, one mention's story, verifiable extracts, retention."""
