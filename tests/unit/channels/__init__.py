"""Ingest and pulling live channels."""
