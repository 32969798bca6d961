"""Tests of desk.db: the change feed, the quick read path, the report summaries."""
