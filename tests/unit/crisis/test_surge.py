"""Surges: the Poisson tail and EWMA tests on 5-minute buckets, three sensitivities, a cooldown,
on the mentions' own times (fixed times only: never today's date)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from desk.crisis.surge import (
    BUCKET,
    SENSITIVITIES,
    WEEK_BUCKETS,
    bucket_counts,
    detect,
    floor_bucket,
    poisson_sf,
    surges_by_topic,
)

T = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _poisson(rng: random.Random, rate: float) -> int:
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def test_poisson_tail_matches_the_textbook() -> None:
    assert poisson_sf(0, 3.0) == 1.0
    assert math.isclose(poisson_sf(1, 3.0), 1 - math.exp(-3), rel_tol=1e-12)
    # the values of scipy.stats.poisson.sf(x - 1, rate)
    assert math.isclose(poisson_sf(15, 3.0), 6.703859112405596e-07, rel_tol=1e-9)
    assert math.isclose(poisson_sf(3, 0.5), 0.014387677966970684, rel_tol=1e-9)
    assert math.isclose(poisson_sf(41, 12.5), 1.485580431184911e-10, rel_tol=1e-9)
    assert poisson_sf(5, 0.0) == 0.0


def test_buckets_are_five_minutes_on_the_mentions_own_times() -> None:
    times = [T, T + timedelta(minutes=4, seconds=59), T + timedelta(minutes=5), T - BUCKET]
    assert bucket_counts(times, T, 3) == [2, 1, 0]
    assert floor_bucket(datetime(2026, 3, 2, 8, 7, 31, tzinfo=UTC)) == T + BUCKET


def test_a_fivefold_step_is_flagged_within_two_buckets_in_95_percent_of_runs() -> None:
    runs, flagged, false_alarms = 100, 0, 0
    for seed in range(runs):
        rng = random.Random(seed)
        quiet = [_poisson(rng, 3) for _ in range(2 * WEEK_BUCKETS)]
        step = [_poisson(rng, 15) for _ in range(6)]
        found = detect(quiet + step)
        false_alarms += sum(1 for s in found if WEEK_BUCKETS <= s.start < len(quiet))
        flagged += any(s.detected <= len(quiet) + 1 and s.end >= len(quiet) for s in found)
    assert flagged / runs >= 0.95
    assert false_alarms / runs <= 1  # per simulated quiet week (the second week of each run)


def test_small_counts_never_alarm_below_the_minimum() -> None:
    counts = [0] * 500 + [SENSITIVITIES["normal"].min_count - 1] * 10
    assert detect(counts) == []


def test_sensitivities_order_how_much_is_flagged() -> None:
    counts = [1] * 300 + [6, 7, 7, 6] + [1] * 50
    assert detect(counts, sensitivity=SENSITIVITIES["high"])
    assert not detect(counts, sensitivity=SENSITIVITIES["low"])


def test_a_burst_within_the_cooldown_extends_the_surge_instead_of_alerting_again() -> None:
    burst = [20, 25]
    counts = [1] * 300 + burst + [1] * 5 + burst + [1] * 40 + burst + [1] * 10
    found = detect(counts, cooldown=12)
    assert len(found) == 2  # the second burst came 5 buckets later: the same surge
    assert (found[0].start, found[0].end) == (300, 308)
    assert found[1].start == 349


def test_a_replayed_file_shows_its_surge_where_it_happened() -> None:
    quiet = [(T + timedelta(minutes=20 * i), ["all", "tag:eau"]) for i in range(300)]
    start = T + timedelta(days=5)
    burst = [(start + timedelta(seconds=10 * i), ["all", "tag:eau"]) for i in range(60)]
    found = surges_by_topic(quiet + burst)
    assert {s.topic for s in found} == {"all", "tag:eau"}
    eau = next(s for s in found if s.topic == "tag:eau")
    assert eau.start == floor_bucket(start)
    assert eau.total == 60
    assert eau.usual < 2
    assert eau.detected_at <= start + 2 * BUCKET
    assert eau.to_json()["start"] == "2026-03-07T08:00:00+00:00"
    assert surges_by_topic(quiet + burst, since=start + timedelta(days=1)) == []
