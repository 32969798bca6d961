"""Declaring a crisis (desk.crisis.state): supervisors only, audited, a reason required and made
safe, refusals that say what is going on, the state every desk reads, and the ``[approval]
crisis`` policy in force while it lasts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from desk.audit.chain import verify
from desk.bootstrap import Desk
from desk.crisis.state import MAX_REASON, active
from desk.crisis.surge import SurgeView
from desk.db.store import AuditFilter
from desk.errors import ActionRefused, InputError, PermissionDenied
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


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test says (exact times in the records)."""
    return FakeClock(step=timedelta(0))


def _events(desk: Desk, action: str) -> list[dict[str, object]]:
    return [
        dict(e.data) for e in desk.queries.audit_log(flt=AuditFilter(actions=(action,)), limit=10)
    ]


def test_start_stop_recorded_refused_twice_and_seen_by_every_desk(
    make_desk: Callable[..., Desk], clock: FakeClock
) -> None:
    amelie, chloe = make_desk("amelie"), make_desk("chloe")
    assert amelie.crisis_state.current() is None
    with pytest.raises(ActionRefused) as none:
        amelie.crisis_state.stop()
    assert none.value.key == "crisis_none"

    clock.advance(60)
    declared = amelie.crisis_state.start("Avis\x1b]0;pwn\x07 d'ébullition,\n quartier   nord\u202e")
    assert declared.since == T0 + timedelta(seconds=60)
    # one line, no escape sequence or bidi override left to reach a terminal
    assert "\x1b" not in declared.reason
    assert "\u202e" not in declared.reason
    assert "\n" not in declared.reason
    assert "   " not in declared.reason
    assert declared.reason.startswith("Avis")
    assert "quartier nord" in declared.reason
    (event,) = _events(amelie, "crisis.started")
    assert event["reason"] == declared.reason

    # another desk reads the same state at once (no cache), and cannot declare a second one
    seen = chloe.crisis_state.current()
    assert seen is not None
    assert seen.declared
    assert seen.by == "amelie"
    other = make_desk("amelie")
    with pytest.raises(ActionRefused) as twice:
        other.crisis_state.start("another one")
    assert twice.value.key == "crisis_already"
    assert twice.value.params["by"] == "amelie"
    assert "quartier nord" in twice.value.params["reason"]
    assert len(_events(amelie, "crisis.started")) == 1

    clock.advance(30 * 60)
    ended = other.crisis_state.stop()
    assert ended.stopped_at == T0 + timedelta(minutes=31)
    assert not ended.declared
    (stopped,) = _events(amelie, "crisis.stopped")
    assert stopped["minutes"] == 30
    assert stopped["started_event"] == declared.event
    last = chloe.crisis_state.current()
    assert last is not None
    assert not last.declared
    assert last.reason == declared.reason
    with pytest.raises(ActionRefused):
        amelie.crisis_state.stop()
    with amelie.queries.read_factory() as session:
        assert verify(session).ok  # the chain still holds


def test_only_supervisors_and_a_reason_required(make_desk: Callable[..., Desk]) -> None:
    bruno, amelie = make_desk("bruno"), make_desk("amelie")
    with pytest.raises(PermissionDenied):
        bruno.crisis_state.start("inondation")
    assert amelie.crisis_state.current() is None
    for blank in ("", "   ", "\n\t"):
        with pytest.raises(InputError) as missing:
            amelie.crisis_state.start(blank)
        assert missing.value.key == "crisis_reason_missing"
    with pytest.raises(InputError) as long:
        amelie.crisis_state.start("x" * (MAX_REASON + 1))
    assert long.value.params == {"n": MAX_REASON + 1, "max": MAX_REASON}
    amelie.crisis_state.start("inondation")
    with pytest.raises(PermissionDenied):
        bruno.crisis_state.stop()
    assert amelie.crisis_state.status(with_surges=False).declared


def test_the_crisis_policy_is_in_force_only_while_declared(
    make_desk: Callable[..., Desk],
) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    amelie.answers.import_text(WATER, "library.toml")
    a, b, c, d = add(
        bruno,
        mention("1", "Quand ouvre la piscine?"),
        mention("2", "Et la bibliothèque?"),
        mention("3", "L'eau est-elle potable?"),
        mention("4", "Et les parcs?"),
    )
    assert bruno.replies.send(a, "Le 20 juin.").status == "sent_offline"

    amelie.crisis_state.start("avis d'ébullition")
    waiting = bruno.replies.send(b, "Demain matin.")
    assert waiting.status == "pending_approval"
    assert waiting.approval_reasons == ("crisis",)
    # an unedited pre-approved library answer still goes straight out
    version = bruno.answers.named("water", "fr")
    text = bruno.answers.render_for(c, version)
    assert bruno.replies.send(c, text, answer_id=version.id).status == "sent_offline"

    amelie.crisis_state.stop()
    assert bruno.replies.send(d, "Ouverts.").status == "sent_offline"


def _surge(topic: str, minute: int) -> SurgeView:
    start = T0 + timedelta(minutes=minute)
    return SurgeView(topic, start, start, start, 9, start, 0.2, 9, 0.4, 1e-9, (9,))


def test_the_banner_shows_tags_first_newest_first_each_once() -> None:
    shown = active(
        [
            _surge("all", 10),
            _surge("rule:eau-fr", 12),
            _surge("tag:eau", 0),
            _surge("tag:gaz", 5),
            _surge("tag:eau", 8),
        ]
    )
    assert [(s.topic, s.start.minute) for s in shown] == [
        ("tag:eau", 8),
        ("tag:gaz", 5),
        ("rule:eau-fr", 12),
        ("all", 10),
    ]
