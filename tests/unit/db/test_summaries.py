"""The report's summaries (migration 0021, desk.db.summaries): what the triggers keep, change by
change, is what a rebuild computes from the rows; the upgrade fills them; ``desk report
--rebuild`` is for supervisors and repairs a drift; a desk whose midnight is not on a UTC hour
still counts its period exactly. Runs on PostgreSQL too (DESK_TEST_DB=postgresql)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from desk import db
from desk.bootstrap import Desk
from desk.config import Settings
from desk.db import summaries
from desk.errors import PermissionDenied
from tests.helpers.answers import SAMPLE_LIBRARY
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention, open_test_desk
from tests.unit.test_reports_sql import _close, figures, reference

POLICY = '\n[approval]\ncategories = ["rumour"]\n'
T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)
PERIOD = (date(2026, 11, 1), date(2026, 11, 12))
TEXTS = [
    "Quand passe la collecte des ordures?",
    "Merci pour le déneigement!",
    "Pourquoi ma rue n'est jamais déneigée???",
    "Il paraît que l'eau est contaminée",
    "When is the pool open?",
    "Casino gratuit ici https://spam.example",
]


def _sql(desk: Desk, statement: str, **params: Any) -> None:
    """A change made behind the services' back (a fix by hand, a platform's late verdict): the
    triggers keep the summaries all the same."""
    with db.transaction(desk.inbox.write_factory) as session:
        session.execute(sa.text(statement), params)


def _kept(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    with desk.reports.read_factory() as session:
        return summaries.contents(session.connection())


def _agrees(desk: Desk, clock: FakeClock) -> dict[str, Any]:
    """The kept summaries are the rebuilt ones (none differed), and so is the report."""
    step, clock.step = clock.step, timedelta(0)  # both reports read the same now
    kept = desk.reports.report(*PERIOD)
    rebuilt = desk.reports.rebuild()
    assert {table: counts["differed"] for table, counts in rebuilt.items()} == dict.fromkeys(
        summaries.TABLES, 0
    )
    assert desk.reports.report(*PERIOD) == kept
    clock.step = step
    return rebuilt


def test_what_the_triggers_keep_is_what_a_rebuild_computes(
    clock: FakeClock, config_file: Path, make_desk: Callable[..., Desk]
) -> None:
    config_file.write_text(config_file.read_text(encoding="utf-8") + POLICY, encoding="utf-8")
    amelie, bruno = make_desk("amelie"), make_desk("bruno")  # a supervisor, an agent
    amelie.answers.import_file(SAMPLE_LIBRARY)
    posted = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
    ids: list[int] = []
    for batch, platform in enumerate(("mastodon", "bluesky", "mastodon")):
        clock.now = T0 - timedelta(days=3) + timedelta(hours=5 * batch)
        ids += add(
            amelie,
            *(
                mention(
                    f"{batch}{i}",
                    TEXTS[(batch + i) % len(TEXTS)],
                    platform=platform,
                    created_at=posted + timedelta(days=batch, minutes=37 * i),
                )
                for i in range(6)
            ),
            platform=platform,
        )
    _agrees(amelie, clock)  # ingest alone

    clock.now = T0 - timedelta(days=1)
    sent: list[int] = []
    waiting: list[int] = []
    for n, mention_id in enumerate(ids):
        detail = amelie.queries.detail(mention_id)
        if detail.status != "open" or n % 4 == 3:
            continue
        clock.now += timedelta(minutes=11)
        reply = bruno.replies.send(mention_id, "Merci, nous regardons.")
        (waiting if reply.status == "pending_approval" else sent).append(reply.id)
    assert sent  # replies went out
    assert waiting  # rumour replies wait for a supervisor
    garbage = amelie.answers.named("garbage-collection", "fr")
    question = next(i for i in ids if amelie.queries.detail(i).category == "question")
    amelie.replies.send(question, "Mardi.", answer_id=garbage.id, again=True)
    amelie.approvals.approve(waiting[0])
    if len(waiting) > 1:
        amelie.approvals.reject(waiting[1], "Trop vague.")
    _agrees(amelie, clock)  # replies sent, approved, rejected, a second voice from an answer

    amelie.inbox.close(ids[3])
    amelie.inbox.reopen(ids[3])
    amelie.inbox.close(ids[7], "doublon")
    amelie.inbox.categorise(question, "complaint")  # re-triaged: its first reply moves too
    amelie.inbox.mark_spam(next(i for i in ids[8:] if amelie.queries.detail(i).status == "open"))
    # the platform refused a reply after all; another reply's answer is recorded late
    _sql(amelie, "UPDATE replies SET status = 'failed' WHERE id = :id", id=sent[0])
    _sql(amelie, "UPDATE replies SET answer_id = :a WHERE id = :id", a=garbage.id, id=sent[1])
    # a posting time corrected by hand: another hour, another day
    _sql(
        amelie,
        "UPDATE mentions SET created_at = :t WHERE id = :id",
        t=posted - timedelta(hours=30),
        id=question,
    )
    _agrees(amelie, clock)  # status changes, re-triage, a failed send, moved in time

    # removed as the retention purge removes: outbox rows, replies, then the mention
    gone = ids[-1]  # answered: its reply goes first
    assert gone != question
    _sql(
        amelie,
        "DELETE FROM outbox WHERE reply_id IN (SELECT id FROM replies WHERE mention_id = :m)",
        m=gone,
    )
    _sql(amelie, "DELETE FROM replies WHERE mention_id = :m", m=gone)
    _sql(amelie, "DELETE FROM mentions WHERE id = :m", m=gone)
    rebuilt = _agrees(amelie, clock)
    assert all(counts["rows"] for counts in rebuilt.values())  # every summary holds something

    clock.now = T0 + timedelta(hours=3)
    clock.step = timedelta(0)
    _close(reference(amelie, *PERIOD), figures(amelie.reports.report(*PERIOD)))
    report = amelie.reports.report(*PERIOD)
    assert report["answers_used"] == [
        {"name": "garbage-collection", "language": "fr", "replies": 2}
    ]


def test_a_rebuild_repairs_a_drift_and_says_so(
    clock: FakeClock, make_desk: Callable[..., Desk]
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    add(amelie, *(mention(str(i), TEXTS[i % 2]) for i in range(1, 5)))
    clock.step = timedelta(0)
    right = amelie.reports.report(*PERIOD)
    # the summary changed behind the triggers' back (a partial restore, a hand edit)
    _sql(amelie, "UPDATE report_volume SET mentions = mentions + 5")
    assert amelie.reports.report(*PERIOD)["mentions"] > right["mentions"]
    with pytest.raises(PermissionDenied, match="only a supervisor or an admin"):
        bruno.reports.rebuild()
    rebuilt = amelie.reports.rebuild()
    assert rebuilt["report_volume"]["differed"] == rebuilt["report_volume"]["rows"] > 0
    assert amelie.reports.report(*PERIOD) == right


def test_the_upgrade_fills_the_summaries_of_an_existing_desk(
    clock: FakeClock, make_desk: Callable[..., Desk]
) -> None:
    from alembic import command

    amelie = make_desk("amelie")
    ids = add(amelie, *(mention(str(i), TEXTS[i % len(TEXTS)]) for i in range(1, 9)))
    clock.now = T0
    amelie.replies.send(ids[0], "Mardi.")
    kept = _kept(amelie)
    engine = amelie.reports.read_factory().get_bind()
    assert isinstance(engine, sa.Engine)
    command.downgrade(db.alembic_config(engine), "0020")  # a desk from before the summaries
    command.upgrade(db.alembic_config(engine), "head")
    assert _kept(amelie) == kept
    assert kept["report_first_replies"]
    assert kept["report_volume"]


def test_rebuild_from_the_cli(cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    add(desk, mention("1", TEXTS[5]), mention("2", TEXTS[0]))  # spam, a question
    assert cli("report", "--rebuild", "--json", as_name="amelie") == 0
    rebuilt = json.loads(capsys.readouterr().out)["rebuilt"]
    assert rebuilt["report_volume"] == {"rows": 2, "differed": 0}  # two categories, one hour
    assert cli("report", "--rebuild", as_name="amelie", lang="fr") == 0
    out = capsys.readouterr().out
    assert "résumés du rapport recalculés à partir des mentions et des réponses\u00a0:" in out
    assert "report_volume\u00a0: 2 lignes, 0 différait des chiffres tenus" in out
    assert cli("report", "--rebuild", as_name="bruno") != 0
    assert "only a supervisor or an admin can rebuild" in capsys.readouterr().err


def test_a_desk_whose_midnight_is_not_on_a_utc_hour(
    clock: FakeClock, config_file: Path, make_desk: Callable[..., Desk]
) -> None:
    text = config_file.read_text(encoding="utf-8").replace(
        'timezone = "UTC"', 'timezone = "Asia/Kolkata"'
    )
    config_file.write_text(text, encoding="utf-8")
    amelie = make_desk("amelie")
    midnight = datetime(2026, 11, 10, 18, 30, tzinfo=UTC)  # 11-11 00:00 in Kolkata
    add(
        amelie,
        *(
            mention(str(i), TEXTS[i % len(TEXTS)], created_at=midnight + timedelta(minutes=m))
            for i, m in enumerate((-50, -20, -1, 0, 10, 29, 30, 24 * 60 - 1, 24 * 60, 24 * 60 + 5))
        ),
    )
    clock.step = timedelta(0)
    one_day = date(2026, 11, 11)
    report = amelie.reports.report(one_day, one_day)
    assert report["mentions"] == 5  # from its midnight to the next, not by UTC hours
    _close(reference(amelie, one_day, one_day), figures(report))
    assert report["volume"]["by_day"] == {"2026-11-11": 5}
    wider = amelie.reports.report(date(2026, 11, 10), date(2026, 11, 12))
    assert wider["mentions"] == 10
    assert sum(wider["volume"]["by_day"].values()) == 10


def test_migrate_db_carries_the_summaries(
    clock: FakeClock,
    settings: Settings,
    config_file: Path,
    make_desk: Callable[..., Desk],
    tmp_path: Path,
) -> None:
    from desk.audit.transfer import open_source, open_target, transfer

    amelie = make_desk("amelie")
    ids = add(amelie, *(mention(str(i), TEXTS[i % len(TEXTS)]) for i in range(1, 7)))
    clock.now = T0
    amelie.replies.send(ids[0], "Mardi.")
    amelie.inbox.close(ids[1])
    clock.step = timedelta(0)
    assert settings.db is not None
    source, target = open_source(settings.db), open_target(str(tmp_path / "moved.db"))
    try:
        transfer(source, target)
    finally:
        source.dispose()
        target.dispose()
    moved = open_test_desk(
        Settings(db=str(tmp_path / "moved.db"), config=config_file), "amelie", clock=clock
    )
    try:
        # not counted twice by the target's triggers (times are text on SQLite: counts compared)
        assert _kept(moved)["report_volume"] == _kept(amelie)["report_volume"]
        assert moved.reports.report(*PERIOD) == amelie.reports.report(*PERIOD)
        rebuilt = moved.reports.rebuild()
        assert all(counts["differed"] == 0 for counts in rebuilt.values())
    finally:
        moved.close()
