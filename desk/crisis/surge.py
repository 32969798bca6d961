"""Surges: a topic receiving far more mentions than it usually does (pure; no clock of its own).

Counts are taken in 5-minute buckets on the mentions' own times (``created_at``), so a replayed
file shows its surge where it happened. Each bucket is compared with the topic's trailing baseline
(the mean count per bucket over the previous ``baseline`` buckets, 7 days by default, less than
an hour of history counting as an hour; never below the floor ``MIN_RATE``) by two tests fit for small counts (crisis.md §4):

- the Poisson tail: P(X >= x | lambda) < alpha;
- an EWMA chart: z = w*x + (1-w)*z', fired above lambda + L*sqrt(lambda)*sqrt(w/(2-w)) (NIST
  e-Handbook 6.3.2.4, w = 0.3).

A bucket fires when either test does and its count is at least ``min_count``; a surge starts
when a bucket fires after ``consecutive - 1`` buckets that fired or were at least *elevated*
(at least ``min_count`` and above lambda + 2 sqrt(lambda)): its start is the first of them, it
is *detected* at the firing one. It goes on while buckets fire; a firing bucket within
``cooldown`` buckets of a surge's end extends it instead of raising a new alert. Three sensitivities set alpha, L and
min_count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

BUCKET = timedelta(minutes=5)
WEEK_BUCKETS = 7 * 24 * 12
COOLDOWN_BUCKETS = 12  # one hour
MIN_RATE = 0.2
"""The baseline (mentions per bucket) of a topic with no history, or a quieter one: 2.4 an hour."""
EWMA_WEIGHT = 0.3
MIN_HISTORY = 12
"""Buckets of history the baseline is divided by at least (one hour)."""


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """How easily a surge is flagged: the Poisson tail's alpha, the EWMA's L, a minimum count."""

    name: str
    alpha: float
    ewma_l: float
    min_count: int


SENSITIVITIES: Mapping[str, Sensitivity] = {
    "high": Sensitivity("high", 1e-3, 2.8, 6),
    "normal": Sensitivity("normal", 1e-4, 3.0, 8),
    "low": Sensitivity("low", 1e-6, 3.5, 12),
}


@dataclass(frozen=True, slots=True)
class Surge:
    """One surge of one topic: buckets ``start`` (first) to ``end`` (last, inclusive), indices
    into the series; ``detected`` the bucket where it was flagged; ``baseline`` the usual count
    per bucket when it started; ``peak`` the largest bucket count."""

    topic: str
    start: int
    end: int
    detected: int
    peak: int
    peak_at: int
    baseline: float
    total: int
    p_value: float


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(counts: Sequence[int]) -> str:
    """Counts as a line of eighth blocks, the largest a full one."""
    top = max(counts, default=0) or 1
    return "".join(SPARKS[min(7, round(c * 7 / top))] for c in counts)


def bucket_of(moment: datetime, origin: datetime) -> int:
    """The index of the 5-minute bucket holding ``moment`` in a series starting at ``origin``."""
    return int((moment - origin) // BUCKET)


def floor_bucket(moment: datetime) -> datetime:
    """The start of the 5-minute bucket holding ``moment`` (UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // BUCKET) * BUCKET


def bucket_counts(times: Iterable[datetime], origin: datetime, size: int) -> list[int]:
    """How many of ``times`` fall in each of ``size`` buckets from ``origin`` (others ignored)."""
    counts = [0] * size
    for moment in times:
        index = bucket_of(moment, origin)
        if 0 <= index < size:
            counts[index] += 1
    return counts


def poisson_sf(x: int, rate: float) -> float:
    """P(X >= x) for X ~ Poisson(rate), summed over the upper tail (exact for small tails)."""
    if x <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    if x <= rate:  # not in the upper tail: the complement of the lower sum is accurate enough
        term = math.exp(-rate)
        total = term
        for k in range(1, x):
            term *= rate / k
            total += term
        return max(0.0, 1.0 - total)
    term = math.exp(x * math.log(rate) - rate - math.lgamma(x + 1))
    total = term
    k = x
    while term > total * 1e-12:
        k += 1
        term *= rate / k
        total += term
    return min(1.0, total)


def detect(
    counts: Sequence[int],
    *,
    topic: str = "",
    sensitivity: Sensitivity = SENSITIVITIES["normal"],
    baseline: int = WEEK_BUCKETS,
    consecutive: int = 2,
    cooldown: int = COOLDOWN_BUCKETS,
    history_start: int = 0,
) -> list[Surge]:
    """The surges in one topic's bucket ``counts`` (oldest first). The baseline of bucket i is
    the mean of the ``baseline`` buckets before it that are at or after ``history_start`` (the
    first bucket desk has data for), never below MIN_RATE."""
    surges: list[Surge] = []
    prefix = [0]
    for c in counts:
        prefix.append(prefix[-1] + c)
    w = EWMA_WEIGHT
    spread = math.sqrt(w / (2 - w))
    z: float | None = None
    run: list[tuple[int, float, float]] = []  # (bucket, rate, p) of the firing buckets in a row
    current: dict[str, float | int] | None = None
    for i, x in enumerate(counts):
        first = max(history_start, i - baseline)
        span = i - first
        # less than an hour of history counts as an hour (the rest quiet): a queue that starts
        # in a surge shows it, instead of taking the surge's first buckets for the usual
        rate = max(MIN_RATE, (prefix[i] - prefix[first]) / max(span, MIN_HISTORY))
        z = rate if z is None else z
        z = w * x + (1 - w) * z
        fired = False
        p = 1.0
        if x >= sensitivity.min_count:
            p = poisson_sf(x, rate)
            ucl = rate + sensitivity.ewma_l * math.sqrt(rate) * spread
            fired = p < sensitivity.alpha or z > ucl
        if current is not None:
            if fired:  # the surge goes on (or resumes within its cooldown: no new alert)
                _grow(current, i, x, p)
                continue
            if i - int(current["end"]) <= cooldown:
                continue
            surges.append(_surge(topic, current))
            current = None
        elevated = x >= sensitivity.min_count and x > rate + 2 * math.sqrt(rate)
        if not fired and not elevated:
            run = []
            continue
        run.append((i, rate, p))  # fired, or at least well above the usual count
        if fired and len(run) >= consecutive:
            run = run[-consecutive:]
            start, start_rate, _ = run[0]
            current = {
                "start": start,
                "end": i,
                "detected": i,
                "peak": 0,
                "peak_at": start,
                "baseline": start_rate,
                "total": 0,
                "p": 1.0,
            }
            for j, _r, pj in run:
                _grow(current, j, counts[j], pj)
            run = []
    if current is not None:
        surges.append(_surge(topic, current))
    return surges


def _grow(state: dict[str, float | int], i: int, x: int, p: float) -> None:
    state["end"] = i
    state["total"] = int(state["total"]) + x
    if x > int(state["peak"]):
        state["peak"], state["peak_at"] = x, i
    state["p"] = min(float(state["p"]), p)


def _surge(topic: str, state: Mapping[str, float | int]) -> Surge:
    return Surge(
        topic=topic,
        start=int(state["start"]),
        end=int(state["end"]),
        detected=int(state["detected"]),
        peak=int(state["peak"]),
        peak_at=int(state["peak_at"]),
        baseline=float(state["baseline"]),
        total=int(state["total"]),
        p_value=float(state["p"]),
    )


@dataclass(frozen=True, slots=True)
class SurgeView:
    """A surge in time: what a banner, ``desk crisis surges`` and a report show."""

    topic: str
    start: datetime
    end: datetime
    detected_at: datetime
    peak: int
    peak_at: datetime
    baseline: float
    total: int
    usual: float
    """The count the topic usually has over the surge's length (baseline x buckets)."""
    p_value: float
    sparkline: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        """The plain JSON form."""
        return {
            "topic": self.topic,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "detected_at": self.detected_at.isoformat(),
            "peak": self.peak,
            "peak_at": self.peak_at.isoformat(),
            "baseline_per_bucket": round(self.baseline, 3),
            "total": self.total,
            "usual": round(self.usual, 1),
            "p_value": self.p_value,
            "sparkline": list(self.sparkline),
        }


def surges_by_topic(
    events: Iterable[tuple[datetime, Iterable[str]]],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sensitivity: Sensitivity = SENSITIVITIES["normal"],
    baseline: int = WEEK_BUCKETS,
    cooldown: int = COOLDOWN_BUCKETS,
) -> list[SurgeView]:
    """The surges of every topic, from ``(created_at, topics)`` pairs (a mention counts once in
    each of its topics). The series runs from the first mention's bucket (or ``baseline`` buckets
    before ``since``) to the last's (or ``until``); surges starting before ``since`` are left out.
    Sorted by start, then topic."""
    by_topic: dict[str, list[datetime]] = {}
    first: datetime | None = None
    last: datetime | None = None
    for moment, topics in events:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        first = moment if first is None or moment < first else first
        last = moment if last is None or moment > last else last
        for topic in topics:
            by_topic.setdefault(topic, []).append(moment)
    if first is None or last is None:
        return []
    origin = floor_bucket(first)
    end = until if until is not None else last
    size = bucket_of(end, origin) + 1
    found: list[SurgeView] = []
    for topic in sorted(by_topic):
        counts = bucket_counts(by_topic[topic], origin, size)
        for s in detect(
            counts, topic=topic, sensitivity=sensitivity, baseline=baseline, cooldown=cooldown
        ):
            start = origin + s.start * BUCKET
            if since is not None and start + BUCKET <= since:
                continue
            found.append(
                SurgeView(
                    topic=topic,
                    start=start,
                    end=origin + (s.end + 1) * BUCKET,
                    detected_at=origin + (s.detected + 1) * BUCKET,
                    peak=s.peak,
                    peak_at=origin + s.peak_at * BUCKET,
                    baseline=s.baseline,
                    total=s.total,
                    usual=s.baseline * (s.end - s.start + 1),
                    p_value=s.p_value,
                    sparkline=tuple(counts[max(0, s.start - 12) : s.end + 1]),
                )
            )
    found.sort(key=lambda v: (v.start, v.topic))
    return found
