"""The ``bluesky`` fixture: one network of Bluesky's reference servers for the test session
(devenv.py starts it, on 127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.devenv import BlueskyNetwork, running_network


@pytest.fixture(scope="session")
def bluesky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyNetwork]:
    """PLC directory, PDS and AppView, fresh, for the whole test session."""
    with running_network(tmp_path_factory.mktemp("bluesky")) as network:
        yield network
