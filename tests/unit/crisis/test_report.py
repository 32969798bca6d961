"""The crisis report (desk.crisis.report) on a replayed bad day, every time from an injected
clock: first signal, declared, first correction, replies sent, time to answer against the same
length just before, the rumour cluster and its size, the timeline in order, the plain text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from desk.bootstrap import Desk
from desk.crisis.report import render
from desk.errors import NotFound
from desk.i18n import Catalog
from tests.helpers.clock import T0, FakeClock
from tests.helpers.desks import add, mention

WATER = """
[[answer]]
name = "water"
language = "fr"
title = "Eau potable"
body = "Bonjour, l'eau est potable. Détails : https://ville.example/eau"
pre_approved = true
"""
RUMOUR = "Rumeur : l'eau du robinet est contaminée, ne buvez pas l'eau du quartier nord"


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test says (exact durations)."""
    return FakeClock(step=timedelta(0))


def _minutes(clock: FakeClock, minutes: float) -> None:
    clock.now = T0 + timedelta(minutes=minutes)


def test_report_of_a_bad_day(make_desk: Callable[..., Desk], clock: FakeClock) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    with pytest.raises(NotFound):
        amelie.crisis_report.report()
    amelie.answers.import_text(WATER, "library.toml")
    (usual,) = add(bruno, mention("900", "Quand ouvre la piscine?", created_at=T0))
    _minutes(clock, 30)
    assert bruno.replies.send(usual, "Le 20 juin.").status == "sent_offline"  # 30 min

    # the surge: 20 copies of one rumour in two 5-minute buckets, received at 14:41
    _minutes(clock, 41)
    burst = add(
        bruno,
        *[
            mention(str(i), f"{RUMOUR} {i}", created_at=T0 + timedelta(minutes=30, seconds=30 * i))
            for i in range(20)
        ],
    )
    _minutes(clock, 45)
    amelie.crisis_state.start("Rumeur d'eau contaminée, quartier nord")

    _minutes(clock, 55)  # the first correction: the library answer, 14 min after arrival
    version = bruno.answers.named("water", "fr")
    text = bruno.answers.render_for(burst[0], version)
    assert bruno.replies.send(burst[0], text, answer_id=version.id).status == "sent_offline"
    _minutes(clock, 57)  # free text waits for a supervisor during the crisis
    waiting = bruno.replies.send(burst[1], "C'est faux, l'eau est potable.")
    _minutes(clock, 61)
    amelie.approvals.approve(waiting.id)  # sent 20 min after arrival
    _minutes(clock, 65)
    amelie.crisis_state.stop()
    _minutes(clock, 200)  # read later: the report is the crisis's, not today's

    report = bruno.crisis_report.report()
    assert report.until == T0 + timedelta(minutes=65)
    assert report.first_signal is not None
    assert report.first_signal.at == T0 + timedelta(minutes=30)
    assert report.declaration.since == T0 + timedelta(minutes=45)
    assert report.first_correction is not None
    assert report.first_correction.at == T0 + timedelta(minutes=55)
    assert report.first_correction.details == {"reply": 2, "mention": burst[0], "by": "bruno"}
    assert report.replies_sent == 2
    assert (report.during.answered, report.during.median_seconds) == (2, 14 * 60)
    # the usual: the same 20 minutes just before the declaration (14:25-14:45)
    assert report.usual.since == T0 + timedelta(minutes=25)
    assert (report.usual.answered, report.usual.median_seconds) == (1, 30 * 60)
    (rumour,) = report.rumours
    assert (rumour.size, rumour.rumours, rumour.authors) == (20, 20, 20)
    assert rumour.label.startswith("Rumeur : l'eau du robinet")
    kinds = [m.kind for m in report.timeline]
    assert kinds == ["signal", "declared", "first_correction", "stopped"]

    data = report.to_json()
    assert data["declared"] == "2026-11-12T14:45:00+00:00"
    assert data["first_signal"]["at"] == "2026-11-12T14:30:00+00:00"
    assert data["time_to_answer"]["during"]["median_seconds"] == 840
    assert data["rumours"][0]["size"] == 20

    text = "\n".join(render(report, Catalog("fr"), amelie.config.hours.calendar()))
    assert "Crise\u00a0: Rumeur d'eau contaminée, quartier nord" in text
    assert "Premier signal\u00a0: 2026-11-12 14:30, pic sur cluster:" in text
    assert "Première correction\u00a0: 2026-11-12 14:55, mention" in text
    assert "Réponses envoyées pendant la crise\u00a0: 2" in text
    assert "14 min pendant la crise (répondues\u00a0: 2)" in text
    assert "d'habitude 30 min" in text
    assert f"groupe {rumour.cluster} — taille 20, auteurs 20\u00a0:" in text
    assert rumour.cluster == burst[0]
    english = "\n".join(render(report, Catalog("en"), amelie.config.hours.calendar()))
    assert "crisis ended by amelie" in english


def test_report_while_going_on_reads_up_to_now_and_hostile_text_is_made_safe(
    make_desk: Callable[..., Desk], clock: FakeClock
) -> None:
    amelie = make_desk("amelie")
    amelie.crisis_state.start("gaz\x1b[2J rue\u202e Principale")
    _minutes(clock, 10)
    report = amelie.crisis_report.report()
    assert report.until == T0 + timedelta(minutes=10)
    assert report.first_signal is None
    assert report.first_correction is None
    assert report.during.median_seconds is None
    lines = render(report, Catalog("en"), amelie.config.hours.calendar())
    assert "Still going on (report of 2026-11-12 14:10)" in lines
    assert all("\x1b" not in line and "\u202e" not in line for line in lines)
