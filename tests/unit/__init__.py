"""Tests of the core: services and domain on real SQLite files, no terminal."""
