"""Reports: volume by category/channel/day, first-response median and p90 per person and
category, approval delay, backlog, answered share, answers used; `desk report --json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from desk.bootstrap import Desk
from desk.reports import percentile
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention

T0 = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.5, None),
        ([5.0], 0.9, 5.0),
        ([1, 2, 3, 4], 0.5, 2.0),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.0),
    ],
)
def test_percentile_nearest_rank(values: list[float], share: float, expected: float | None) -> None:
    assert percentile(values, share) == expected


def test_report_figures(clock: FakeClock, make_desk: Callable[..., Desk]) -> None:
    amelie = make_desk("amelie")
    clock.now = T0
    posted = datetime(2026, 11, 11, 15, 0, tzinfo=UTC)
    a, b, _complaint, _spam = add(
        amelie,
        mention("1", "Quand passe la collecte?", created_at=posted),
        mention("2", "Merci pour le déneigement!", created_at=posted + timedelta(days=1)),
        mention(
            "3", "Pourquoi ma rue n'est jamais déneigée???", created_at=posted + timedelta(days=1)
        ),
        mention("4", "Casino gratuit ici https://spam.example", created_at=posted),
    )
    received = amelie.queries.detail(a).received_at
    clock.now = received + timedelta(minutes=10)
    amelie.replies.send(a, "Mardi.")
    bruno = make_desk("bruno")
    clock.now = received + timedelta(minutes=30)
    bruno.replies.send(b, "Merci à vous!")
    clock.now = received + timedelta(hours=2)
    report = amelie.reports.report(date(2026, 11, 10), date(2026, 11, 12))
    assert report["mentions"] == 4
    assert report["volume"]["by_category"] == {
        "complaint": 1,
        "praise": 1,
        "question": 1,
        "spam": 1,
    }
    assert report["volume"]["by_day"] == {"2026-11-11": 2, "2026-11-12": 2}  # UTC desk in tests
    assert report["volume"]["by_channel"] == {"mastodon:saved payloads": 4}
    first = report["first_response_seconds"]
    assert first["all"]["count"] == 2
    assert first["all"]["median"] == pytest.approx(600, abs=10)
    assert first["all"]["p90"] == pytest.approx(1800, abs=10)
    assert first["by_person"]["bruno"]["median"] == pytest.approx(1800, abs=10)
    assert set(first["by_category"]) == {"question", "praise"}
    assert report["backlog"]["open"] == 1  # the complaint (spam is closed on arrival)
    # aged from when it was posted, as the queue shows it (not from when desk received it)
    age = (clock.now - (posted + timedelta(days=1))).total_seconds()
    assert report["backlog"]["age_seconds"]["max"] == pytest.approx(age, abs=10)
    assert report["answered_share"] == pytest.approx(2 / 3, abs=0.001)
    outside = amelie.reports.report(date(2026, 11, 13), date(2026, 11, 14))
    assert outside["mentions"] == 0
    assert outside["backlog"]["open"] == 1  # the backlog is now, whatever the period


def test_report_json_from_the_cli(
    cli: Cli, desk: Desk, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    add(desk, mention("1", "Bonjour", created_at=clock.now - timedelta(days=1)))
    assert cli("report", "--json", as_name="chloe") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mentions"] == 1
    assert {
        "volume",
        "first_response_seconds",
        "approval_delay_seconds",
        "backlog",
        "answers_used",
    } <= set(data)
    assert cli("report", as_name="chloe") == 0
    assert "1 mentions" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:  # argparse's usage error
        cli("report", "--since", "21/11/2026", as_name="chloe")
    assert bad.value.code == 2
    assert "is not a date like 2026-11-21" in capsys.readouterr().err
