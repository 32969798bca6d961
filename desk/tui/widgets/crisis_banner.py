"""CrisisBanner: the crisis declared (since HH:MM in the desk's zone, and why) and the surges
going on (topic, count against the usual, since when, a sparkline), at most three lines.

Hidden when there is neither. The widget only draws what its screen hands it
(``show(status, catalog, calendar, now)``, desk.tui.crisis's status); ``!`` (bound on the
screen) opens the first surge's mentions, and the banner says so. The reason and topics come
from people and data: they reach the screen through desk.tui.safe, never as markup. Each line
ends in an ellipsis rather than wrapping, so the banner fits 80 columns.
"""

from __future__ import annotations

import math
from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from desk.calendar import Calendar
from desk.crisis.state import CrisisStatus
from desk.crisis.surge import SurgeView, sparkline
from desk.i18n import Catalog
from desk.tui.safe import safe, safe_str

SHOWN_SURGES = 2
SPARK_BUCKETS = 8  # the last 40 minutes of 5-minute counts


def clock_time(moment: datetime, calendar: Calendar, now: datetime) -> str:
    """HH:MM in the desk's zone; with the date when it is not today there."""
    local = calendar.local(moment)
    if local.date() == calendar.local(now).date():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def topic_label(topic: str, catalog: Catalog) -> str:
    """``tag:eau`` as is; ``all`` in words."""
    return catalog.t("crisis.timeline.topic_all") if topic == "all" else topic


def surge_line(surge: SurgeView, catalog: Catalog, calendar: Calendar, now: datetime) -> Content:
    """One surge: topic, count against the usual, since when, its sparkline."""
    words = catalog.t(
        "tui.crisis.surge",
        topic=safe_str(topic_label(surge.topic, catalog), one_line=True, max_len=40),
        total=surge.total,
        usual=f"{surge.usual:.1f}",
        start=clock_time(surge.start, calendar, now),
    )
    return Content.assemble(
        Content(safe_str(words, one_line=True)),
        " ",
        (sparkline(surge.sparkline[-SPARK_BUCKETS:]), "bold"),
    )


def filter_line(surge: SurgeView, now: datetime) -> str:
    """The queue's filter line (desk.search) for a surge's mentions: its tag (``~t WORD``), or
    else everything posted since it began (``~d <Nm``)."""
    kind, _, name = surge.topic.partition(":")
    if kind == "tag" and name and not any(c.isspace() or c in "\"'~" for c in name):
        return f"~t {name}"
    minutes = max(1, math.ceil((now - surge.start).total_seconds() / 60))
    return f"~d <{minutes}m"


class CrisisBanner(Static):
    """The crisis line and the surges going on (``surges=False``: the crisis line only)."""

    DEFAULT_CSS = """
    CrisisBanner {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $warning 25%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
    }
    CrisisBanner.-declared {
        background: $error;
        color: $text;
    }
    """

    def __init__(self, *, surges: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.with_surges = surges

    def show(
        self, status: CrisisStatus | None, catalog: Catalog, calendar: Calendar, now: datetime
    ) -> None:
        """Draw ``status`` (None or nothing going on: hidden)."""
        lines: list[Content] = []
        declared = status is not None and status.declared
        if status is not None and status.declaration is not None and declared:
            d = status.declaration
            lines.append(
                Content.assemble(
                    ("⚠ ", "bold"),
                    (
                        catalog.t(
                            "tui.crisis.banner",
                            since=clock_time(d.since, calendar, now),
                            reason="",
                        ).rstrip(),
                        "bold",
                    ),
                    " ",
                    safe(d.reason, one_line=True, max_len=200),
                )
            )
        surges = status.surges if status is not None and self.with_surges else ()
        if surges and not declared:
            lines.append(Content.styled("⚠ " + catalog.t("tui.crisis.surges_only"), "bold"))
        for i, surge in enumerate(surges[:SHOWN_SURGES]):
            line = surge_line(surge, catalog, calendar, now)
            if i == 0:
                line = Content.assemble(line, " ", (catalog.t("tui.crisis.open_hint"), "italic"))
            if i == SHOWN_SURGES - 1 and len(surges) > SHOWN_SURGES:
                line = Content.assemble(line, f"  (+{len(surges) - SHOWN_SURGES})")
            lines.append(line)
        self.set_class(declared, "-declared")
        self.display = bool(lines)
        self.update(Content("\n").join(lines[:3]))
