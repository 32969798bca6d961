"""Surges: many mentions on one watched tag in a short time raise priority one level, with a
note saying so; the window slides, and stored history counts (a restart does not reset it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desk.bootstrap import Desk
from desk.config import DeskConfig
from desk.triage.pipeline import Incoming, SurgeWatch, Triage
from desk.triage.rules import parse_rules
from tests.helpers.desks import add, mention

RULES = """
[surge]
window_minutes = 30
threshold = 3
tags = ["water"]

[[rule]]
name = "water"
words = ["eau"]
tags = ["water"]
priority = "normal"

[[rule]]
name = "roads"
words = ["route"]
tags = ["roads"]
"""
T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


def decide(triage: Triage, text: str, minutes: float) -> tuple[int, list[dict[str, object]]]:
    item = Incoming(text=text, created_at=T0 + timedelta(minutes=minutes), language="fr")
    decision = triage.decide(item, route=False)
    return decision.priority, decision.notes


def test_the_third_water_mention_in_half_an_hour_is_raised() -> None:
    triage = Triage(parse_rules(RULES, "t"), DeskConfig(), detect_language=False)
    assert decide(triage, "eau brune", 0)[0] == 1
    assert decide(triage, "route fermée", 1)[0] == 1  # another tag does not count
    assert decide(triage, "eau brune encore", 10)[0] == 1
    priority, notes = decide(triage, "l'eau sent le chlore", 20)
    assert priority == 2
    assert notes == [
        {"key": "surge", "tag": "water", "count": 3, "minutes": 30, "priority": "high"}
    ]
    # 45 minutes later the first two have left the window: back to normal
    assert decide(triage, "eau", 65)[0] == 1


def test_unwatched_tags_never_surge() -> None:
    triage = Triage(parse_rules(RULES, "t"), DeskConfig(), detect_language=False)
    assert [decide(triage, "route", m)[0] for m in range(6)] == [1] * 6


def test_history_from_before_counts() -> None:
    surge = parse_rules(RULES, "t").surge
    watch = SurgeWatch(surge, [(T0, ["water"]), (T0 + timedelta(minutes=5), ["water"])])
    triage = Triage(parse_rules(RULES, "t"), DeskConfig(), detect_language=False)
    triage.surge = watch
    assert decide(triage, "eau", 10)[0] == 2


def test_ingest_reads_recent_tags_from_the_database(
    make_desk: Callable[..., Desk], config_file: Path
) -> None:
    rules = config_file.parent / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace('language = "en"', 'language = "en"\nrules = "rules.toml"'))
    desk: Desk = make_desk("amelie")
    first = [
        mention(str(i), f"De l'eau brune {i}", created_at=T0 + timedelta(minutes=i)) for i in (1, 2)
    ]
    add(desk, *first)  # one import...
    (third,) = add(
        desk, mention("3", "Encore de l'eau brune", created_at=T0 + timedelta(minutes=3))
    )
    detail = desk.queries.detail(third)  # ...and the next one, in another transaction
    assert detail.priority == 2
    assert detail.triage["notes"][0]["key"] == "surge"
