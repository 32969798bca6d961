"""Fixtures of the e-mail tests: one private Dovecot per test module, an SMTP sink per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.email.servers import Dovecot, Sink, running_dovecot, smtp_sink


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A fresh Dovecot on 127.0.0.1 for the module's tests (about a second to start)."""
    with running_dovecot() as server:
        yield server


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    """The SMTP sink and its port."""
    with smtp_sink() as opened:
        yield opened
