"""Triage through the services: ingest stores the decision, re-triage is audited, handover moves
open items, explanations render in both languages, and the schema upgrade keeps old data."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk import db
from desk.bootstrap import Desk, open_desk
from desk.config import Settings
from desk.db.store import QueueFilter
from desk.errors import ActionRefused, PermissionDenied
from desk.i18n import Catalog
from desk.triage import RulesError
from desk.triage.explain import explain_lines
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention

RULES_V1 = """
[[rule]]
name = "water"
words = ["eau"]
category = "question"
priority = "high"
tags = ["water"]

[[rule]]
name = "rumour"
words = ["il paraît"]
category = "rumour"
require_approval = true
suggest = "rumour-reply"
"""


@pytest.fixture
def rules_desk(
    clock: FakeClock, settings: Settings, config_file: Path
) -> Iterator[Callable[..., Desk]]:
    """A desk whose desk.toml points at a rules.toml we can rewrite."""
    rules = config_file.parent / "rules.toml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace(
            'signature_format = "—{initials}"',
            'signature_format = "—{initials}"\nrules = "rules.toml"',
        ),
        encoding="utf-8",
    )
    opened: list[Desk] = []

    def make(rules_text: str = RULES_V1) -> Desk:
        rules.write_text(rules_text, encoding="utf-8")
        desk = open_desk(settings, as_name="amelie", clock=clock)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


def test_ingest_stores_tags_approval_suggestion_and_explanation(
    rules_desk: Callable[..., Desk],
) -> None:
    desk = rules_desk()
    (mid,) = add(desk, mention("1", "Il paraît que l'eau est contaminée", language="fr"))
    detail = desk.queries.detail(mid)
    assert (detail.category, detail.priority) == ("rumour", 2)
    assert detail.tags == ["water"]
    assert detail.needs_approval is True
    assert detail.suggested_answer == "rumour-reply"
    assert [f["rule"] for f in detail.triage["fired"]] == ["water", "rumour"]
    assert detail.triage["fired"][1]["matched"] == ["il paraît"]
    french = "\n".join(explain_lines(detail.triage, Catalog("fr")))
    english = "\n".join(explain_lines(detail.triage, Catalog("en")))
    assert "Règle rumour\u00a0: «\u00a0il paraît\u00a0» dans le texte" in french
    assert "Rule rumour matched «\u00a0il paraît\u00a0»" in english
    assert "Assigned to bruno" in english  # routing.fr in the test desk.toml
    event = next(e for e in detail.history if e.action == "mention.ingested")
    assert event.data["category"] == "rumour"
    assert event.data["route"]["assignee"] == "bruno"
    assert event.data["matched"]["rumour"] == ["il paraît"]


def test_retriage_after_a_rule_change_audits_each_change(rules_desk: Callable[..., Desk]) -> None:
    desk = rules_desk()
    water, other, done = add(
        desk,
        mention("1", "L'eau coule brune", language="fr"),
        mention("2", "Bonne journée à tous", language="fr"),
        mention("3", "eau froide", language="fr"),
    )
    desk.inbox.close(done)
    rules_path = desk.config.rules_path()
    assert rules_path is not None
    rules_path.write_text(RULES_V1.replace('category = "question"', 'category = "complaint"'))
    desk.reload_rules()
    report = desk.triage.retriage()
    assert (report.seen, report.changed) == (2, 1)  # open only; the unchanged one has no event
    assert desk.queries.detail(water).category == "complaint"
    assert desk.queries.detail(done).category == "question"  # closed: left alone
    events = [e for e in desk.queries.audit_log(limit=100) if e.action == "mention.retriaged"]
    assert [e.mention_id for e in events] == [water]
    assert events[0].data["changes"] == {"category": {"from": "question", "to": "complaint"}}
    assert desk.queries.verify_audit().ok
    assert desk.triage.retriage().changed == 0  # idempotent
    assert other not in [e.mention_id for e in events]


def test_retriage_keeps_the_assignee_but_routes_unassigned_items(
    rules_desk: Callable[..., Desk],
) -> None:
    desk = rules_desk()
    held, free = add(
        desk, mention("1", "eau", language="fr"), mention("2", "eau encore", language="fr")
    )
    desk.inbox.assign(held, "chloe")
    desk.inbox.release(free)
    desk.triage.retriage()
    assert desk.queries.detail(held).assignee == "chloe"
    assert desk.queries.detail(free).assignee == "bruno"


def test_a_bad_rule_file_leaves_the_rules_in_use(rules_desk: Callable[..., Desk]) -> None:
    desk = rules_desk()
    before = desk.rules
    path = desk.config.rules_path()
    assert path is not None
    path.write_text('[[rule]]\nname = "x"\nwords = ["eau"]\ncategory = "gossip"\n')
    with pytest.raises(RulesError) as caught:
        desk.reload_rules()
    assert caught.value.problems[0].line == 4
    assert desk.rules is before
    assert desk.ingest.rules is before


def test_spam_rule_closes_on_arrival_and_is_not_routed(rules_desk: Callable[..., Desk]) -> None:
    desk = rules_desk('[[rule]]\nname = "casino"\nwords = ["casino"]\nspam = true\n')
    (mid,) = add(desk, mention("1", "Casino gratuit", language="fr"))
    detail = desk.queries.detail(mid)
    assert (detail.category, detail.status, detail.assignee) == ("spam", "closed", None)


def test_explain_compares_stored_and_current_rules(rules_desk: Callable[..., Desk]) -> None:
    desk = rules_desk()
    (mid,) = add(desk, mention("1", "de l'eau", language="fr"))
    _, stored, now = desk.triage.explain(mid)
    assert stored["category"] == now["category"] == "question"
    path = desk.config.rules_path()
    assert path is not None
    path.write_text(RULES_V1.replace('words = ["eau"]', 'words = ["feu"]'))
    desk.reload_rules()
    _, stored, now = desk.triage.explain(mid)
    assert stored["category"] == "question"
    assert now["category"] == "other"


def test_handover_moves_open_items_with_one_event_each(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk("amelie")
    ids = add(desk, *(mention(str(i), f"Bonjour {i}", language="fr") for i in range(1, 4)))
    assert {desk.queries.detail(i).assignee for i in ids} == {"bruno"}
    desk.inbox.close(ids[0])
    moved = desk.inbox.handover("bruno", "chloe")
    assert moved == ids[1:]
    assert [desk.queries.detail(i).assignee for i in ids] == ["bruno", "chloe", "chloe"]
    events = [e for e in desk.queries.audit_log(limit=50) if e.action == "mention.handed_over"]
    # each moved item once (a Counter: mention_id is Optional, which sorted() won't take)
    assert Counter(e.mention_id for e in events) == Counter(ids[1:])
    assert all(e.data == {"previous": "bruno", "to": "chloe"} for e in events)
    assert desk.inbox.handover("bruno", "chloe") == []  # nothing left


def test_handover_permissions(make_desk: Callable[..., Desk]) -> None:
    amelie = make_desk("amelie")
    add(amelie, mention("1", "Bonjour", language="fr"))
    chloe = make_desk("chloe")
    with pytest.raises(PermissionDenied, match="only a supervisor, or bruno"):
        chloe.inbox.handover("bruno", "chloe")
    bruno = make_desk("bruno")
    assert bruno.inbox.handover("bruno", "chloe") == [1]  # one's own items: allowed
    with pytest.raises(ActionRefused):
        amelie.inbox.handover("chloe", "chloe")


def test_handover_refuses_an_absent_receiver(
    clock: FakeClock, settings: Settings, config_file: Path
) -> None:
    text = config_file.read_text(encoding="utf-8").replace(
        'languages = ["en", "fr"]',
        'languages = ["en", "fr"]\nabsences = [{ from = 2026-11-01, to = 2026-11-30 }]',
    )
    config_file.write_text(text, encoding="utf-8")
    desk = open_desk(settings, as_name="amelie", clock=clock)
    try:
        with pytest.raises(ActionRefused, match="absent until 2026-11-30"):
            desk.inbox.handover("bruno", "chloe")
    finally:
        desk.close()


def test_round_robin_turns_survive_a_restart(
    clock: FakeClock, settings: Settings, config_file: Path
) -> None:
    text = config_file.read_text(encoding="utf-8").replace(
        '[routing]\nfr = "bruno"\nen = "chloe"',
        '[[team]]\nname = "all"\nmembers = ["amelie", "bruno", "chloe"]\n\n[routing]\nfr = "all"\nen = "all"',
    )
    config_file.write_text(text, encoding="utf-8")
    first = open_desk(settings, as_name="amelie", clock=clock)
    add(first, *(mention(str(i), f"Salut {i}", language="fr") for i in range(1, 3)))
    first.close()
    second = open_desk(settings, as_name="amelie", clock=clock)
    try:
        add(second, *(mention(str(i), f"Salut {i}", language="fr") for i in range(3, 7)))
        rows = second.queries.page(QueueFilter(view="all"), 0, 10)
        by_id = {r.id: r.assignee for r in rows}
        assert [by_id[i] for i in range(1, 7)] == ["amelie", "bruno", "chloe"] * 2
    finally:
        second.close()


def test_upgrade_from_0001_keeps_mentions(tmp_path: Path) -> None:
    """A database created by the foundation's schema opens with the triage columns added."""
    engine = db.make_engine(str(tmp_path / "old.db"))
    db.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO channels (id, platform, name, live, created_at) VALUES (1, 'x', 'c', 0, '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO mentions (id, channel_id, platform, remote_id, author_handle, author_name, text, kind,"
                " created_at, received_at, raw, status, category, priority, triage_reason, triage_rules)"
                " VALUES (1, 1, 'x', 'r1', '@a', 'A', 'old text', 'mention', '2026-11-01 00:00:00',"
                " '2026-11-01 00:00:00', '{}', 'open', 'question', 2, 'old reason', '[\"r\"]')"
            )
        )
    db.upgrade(engine)
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT text, category, tags, needs_approval, triage_detail FROM mentions")
        ).one()
    assert tuple(row) == ("old text", "question", "[]", 0, "{}")
    assert json.loads(row.tags) == []
    engine.dispose()


def test_only_supervisors_retriage_in_the_service(make_desk: Callable[..., Desk]) -> None:
    from desk.errors import PermissionDenied

    bruno = make_desk("bruno")
    add(bruno, mention("1", "Bonjour"))
    with pytest.raises(PermissionDenied):
        bruno.triage.retriage()
    report = make_desk("amelie").triage.retriage()
    assert (report.seen, report.changed) == (1, 0)  # the supervisor's went through, same rules
