"""Shared fixtures: an isolated environment, a desk.toml with three staff, and a real Desk on a
temporary SQLite file with a controllable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk.config import Settings
from desk.connectors.base import ParsedMention, ParseResult
from desk.services import Desk, open_desk

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PAYLOADS = SHARED / "real-api-payloads"
SAMPLE_FEEDS = REPO / "sample_feeds"

DESK_TOML = """\
[desk]
organisation = "Ville de Test"
language = "en"
signature_format = "—{initials}"

[hours]  # always open, so routing tests of the foundation do not depend on the time of day
timezone = "UTC"
business = { mon = "00:00-24:00", tue = "00:00-24:00", wed = "00:00-24:00", thu = "00:00-24:00", fri = "00:00-24:00", sat = "00:00-24:00", sun = "00:00-24:00" }

[[staff]]
name = "amelie"
display_name = "Amélie Bouchard"
initials = "AB"
role = "supervisor"
languages = ["fr", "en"]

[[staff]]
name = "bruno"
display_name = "Bruno Gagnon"
initials = "BG"
role = "agent"
languages = ["fr"]

[[staff]]
name = "chloe"
display_name = "Chloe Martin"
initials = "CM"
role = "agent"
languages = ["en", "fr"]

[routing]
fr = "bruno"
en = "chloe"
"""


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the real user's config or data folders."""
    home = tmp_path_factory.mktemp("home")
    for var in ("DESK_DB", "DESK_CONFIG", "DESK_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("DESK_PASSPHRASE", TEST_PASSPHRASE)  # what `--as` is asked for in tests
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


TEST_PASSPHRASE = "test passphrase"
_TEST_HASH: list[str] = []


def give_passphrases(desk: Desk) -> None:
    """Every staff member of ``desk``'s database gets TEST_PASSPHRASE (hashed once per run)."""
    from desk.db import transaction
    from desk.identity import hash_passphrase
    from desk.store import staff_rows

    if not _TEST_HASH:
        _TEST_HASH.append(hash_passphrase(TEST_PASSPHRASE))
    with transaction(desk.inbox.write_factory) as session:
        for row in staff_rows(session=session).values():
            row.passphrase_hash = _TEST_HASH[0]
            session.add(row)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(DESK_TOML, encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path, config_file: Path) -> Settings:
    return Settings(db=str(tmp_path / "desk.db"), config=config_file)


@pytest.fixture
def make_desk(settings: Settings) -> Iterator[Callable[..., Desk]]:
    opened: list[Desk] = []

    def make(as_name: str = "amelie") -> Desk:
        desk = open_desk(settings, as_name=as_name, clock=FakeClock())
        give_passphrases(desk)  # so the CLI's `--as` works on this database
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk("amelie")


def mention(
    remote_id: str,
    text: str,
    *,
    platform: str = "mastodon",
    language: str | None = "fr",
    **kw: object,
) -> ParsedMention:
    """A ParsedMention with sensible defaults."""
    values: dict[str, object] = {
        "platform": platform,
        "remote_id": remote_id,
        "author_handle": f"@user{remote_id}",
        "author_name": f"User {remote_id}",
        "text": text,
        "created_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
        + timedelta(minutes=int(remote_id) if remote_id.isdigit() else 0),
        "language": language,
        "raw": {"id": remote_id},
    }
    values.update(kw)
    return ParsedMention(**values)  # type: ignore[arg-type]


def add(desk: Desk, *items: ParsedMention, platform: str = "mastodon") -> list[int]:
    """Ingest items and return their new ids."""
    report = desk.ingest.ingest_parsed(ParseResult(platform=platform, items=list(items)), "test")
    return report.new_ids
