"""desk.gcpause: the cyclic collector is off while a batch runs, and back as it was after.

Imports (desk.channels.ingest) and triage of many mentions (Triage.decide_many, and the batch
rules desk.triage.batch.evaluate_many) run with it paused: their objects live on and form no cycles, so its full collections only cost time.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from desk.bootstrap import Desk
from desk.gcpause import paused
from desk.triage import batch
from desk.triage.conditions import Facts
from desk.triage.engine import Decision, evaluate
from desk.triage.pipeline import Triage
from desk.triage.rules import RuleSet, default_rules
from tests.helpers.paths import PAYLOADS
from tests.unit.triage.test_compiled import CONFIG, facts_of, incoming


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:  # as it was before, either way: a test here turns it off
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after_even_on_error() -> None:
    with paused():
        assert not gc.isenabled()
        with paused():  # nested: still off when the inner one ends
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"), paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_overlapping_batches_in_two_threads_turn_it_back_on_once_both_end() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first batch ended: still off for this one

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_triage_of_many_mentions_and_an_import_run_with_the_collector_paused(
    desk: Desk,
) -> None:
    states: list[bool] = []

    def spying(facts: Facts, ruleset: RuleSet) -> Decision:
        states.append(gc.isenabled())
        return evaluate(facts, ruleset)

    triage = Triage(default_rules(), CONFIG, detect_language=False, evaluator=spying)
    triage.decide_many([incoming(i, "eau potable?") for i in range(3)])
    assert states == [False, False, False]
    assert gc.isenabled()

    def check(facts: list[Facts], ruleset: RuleSet) -> list[Decision]:
        states.append(gc.isenabled())
        return []

    with pytest.MonkeyPatch.context() as patch:  # the batch API pauses it on its own
        patch.setattr(batch, "_page", lambda facts, *rest: check(facts, rest[0]))
        batch.evaluate_many([facts_of(incoming(0, "eau"))], default_rules())
    assert states[-1] is False
    assert gc.isenabled()

    real = Triage.decide_many
    during: list[bool] = []

    def watched(self: Triage, *args: object, **kwargs: object) -> list[Decision]:
        during.append(gc.isenabled())
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Triage, "decide_many", watched)
        (report,) = desk.ingest.ingest_files([PAYLOADS / "x/users_mentions_tweepy_cassette.json"])
    assert report.new == 10
    assert during == [False]
    assert gc.isenabled()
