"""A test desk: desk.toml with three staff, mentions with sensible defaults, the real ingest.

Every desk a test opens is given a clock (``tests.helpers.clock``): nothing depends on the day
the suite runs or on the machine's time zone.
"""

from __future__ import annotations

import os
import pwd
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from desk.bootstrap import Desk, open_desk
from desk.clock import Clock
from desk.config import Settings
from desk.platforms.parsed import ParsedMention, ParseResult
from tests.helpers.clock import FakeClock

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

TEST_PASSPHRASE = "test passphrase"
"""Every test staff member's passphrase; the suite's environment answers `--as` with it."""
_TEST_HASH: dict[tuple[tuple[str, int], ...], str] = {}
"""TEST_PASSPHRASE hashed once per run for each scrypt cost in force (a module-scoped fixture
runs outside the suite's cheaper cost: a hash at another cost would be rehashed, and audited,
at the next login)."""


def write_config(folder: Path, text: str = DESK_TOML, *, rules: str | None = None) -> Settings:
    """desk.toml (and rules.toml when given) in ``folder``; settings for a database beside it."""
    config = folder / "desk.toml"
    config.write_text(text, encoding="utf-8")
    if rules is not None:
        (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return Settings(db=str(folder / "desk.db"), config=config)


def open_test_desk(
    settings: Settings, as_name: str = "amelie", *, clock: Clock | None = None
) -> Desk:
    """The desk of ``settings`` opened as ``as_name`` on ``clock`` (a new FakeClock if None),
    every staff member given TEST_PASSPHRASE so that the CLI's ``--as`` works on it."""
    desk = open_desk(settings, as_name=as_name, clock=clock or FakeClock())
    give_passphrases(desk)
    return desk


def give_passphrases(desk: Desk) -> None:
    """Every staff member of ``desk``'s database gets TEST_PASSPHRASE (hashed once per run)."""
    from desk.db import transaction
    from desk.db.store import staff_rows
    from desk.staff import identity

    cost = tuple(sorted(identity.SCRYPT.items()))
    if cost not in _TEST_HASH:
        _TEST_HASH[cost] = identity.hash_passphrase(TEST_PASSPHRASE)
    hashed = _TEST_HASH[cost]
    with transaction(desk.inbox.write_factory) as session:
        for row in staff_rows(session=session).values():
            if row.passphrase_hash != hashed:
                row.passphrase_hash = hashed
                session.add(row)


def mention(
    remote_id: str,
    text: str,
    *,
    platform: str = "mastodon",
    language: str | None = "fr",
    **kw: object,
) -> ParsedMention:
    """A ParsedMention with sensible defaults, posted on 2026-11-10 (a minute per numeric id)."""
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
    """Ingest items through the real ingest path and return their new ids."""
    report = desk.ingest.ingest_parsed(ParseResult(platform=platform, items=list(items)), "test")
    return report.new_ids


def log_in_as(monkeypatch: Any, login: str) -> None:
    """Make the system say the real uid is ``login`` (what desk asks: pwd.getpwuid(getuid()))."""
    real = pwd.getpwuid
    uid = os.getuid()

    def getpwuid(asked: int) -> Any:
        return SimpleNamespace(pw_name=login) if asked == uid else real(asked)

    monkeypatch.setattr(pwd, "getpwuid", getpwuid)


def apply_approval(desk: Desk) -> None:
    """Record desk.toml's ``[approval]`` as the desk's approval policy, as an admin's
    ``desk staff apply`` would (the test desk has no admin): for a test that edits the policy
    after the desk was first opened (desk.db.policies)."""
    from desk.audit.chain import Recorder
    from desk.config import load_config
    from desk.db import transaction
    from desk.staff import records

    assert desk.config.path is not None
    with transaction(desk.write_factory) as session:
        records.settle_approval(
            load_config(desk.config.path), session, Recorder("system", desk.clock)
        )
