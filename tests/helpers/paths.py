"""Where the test data is. Everything a test reads lives inside this repository."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
PAYLOADS = DATA / "payloads"
"""Recorded real platform payloads, one folder per platform, each with a README of sources."""
SAMPLE_FEEDS = REPO / "sample_feeds"
