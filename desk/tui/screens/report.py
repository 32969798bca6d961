"""ReportScreen: the supervisor's figures for the last 7 or 30 days, with bars.

Computed in a worker by ``desk.reports`` (the same data as ``desk report --json``); drawn as
literal Content (channel names and people come from data, so they go through ``safe_str``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from desk.i18n import Catalog
from desk.reports import duration
from desk.tui.labels import category_label
from desk.tui.messages import ReportLoaded
from desk.tui.safe import safe_str
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets.footer import DeskFooter

BAR = 30


def bars(counts: dict[str, int], label: Any = str) -> list[Content]:
    """One line per key: name, count and a bar scaled to the largest count."""
    top = max(counts.values(), default=0) or 1
    return [
        Content.assemble(
            f"  {safe_str(label(key), one_line=True, max_len=28):<28} {count:>6}  ",
            ("█" * max(1, round(count / top * BAR)) if count else "", "$accent"),
        )
        for key, count in counts.items()
    ]


class ReportScreen(DeskScreen):
    """Volume, response times, approval delay, backlog, answers used."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("7", "days(7)", "tui.keys.days7"),
        Binding("3", "days(30)", "tui.keys.days30"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="report-screen")
        self.days = 30
        self.data: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        """Header and the report."""
        yield Static(id="report-header", classes="header-line")
        with VerticalScroll(id="report-body"):
            yield Static(id="report-text")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Compute the report."""
        self.load()

    @work(thread=True, exclusive=True, group="report")
    def load(self) -> None:
        """Run the report's queries off the UI thread."""
        reports = self.desk.reports
        today = self.desk.config.hours.calendar().local(reports.clock()).date()
        done, data = self.run_service(
            lambda: reports.report(today - timedelta(days=self.days - 1), today)
        )
        if done and data is not None:
            self.post_message(ReportLoaded(data))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        """Draw it."""
        self.data = message.data
        self._draw(self.desk_app.catalog)

    def relabel(self, catalog: Catalog) -> None:
        """Redraw in the new language."""
        if self.is_mounted and self.data is not None:
            self._draw(catalog)

    def _draw(self, catalog: Catalog) -> None:
        data = self.data
        if data is None:
            return
        t = catalog.t
        period = data["period"]
        self.query_one("#report-header", Static).update(
            Content(
                t(
                    "tui.report.header",
                    since=period["since"],
                    until=period["until"],
                    count=data["mentions"],
                )
            )
        )
        lines: list[Content] = []

        def title(key: str) -> None:
            lines.append(Content(""))
            lines.append(Content.styled(t(f"tui.report.{key}"), "bold $text-secondary"))

        title("by_category")
        lines += bars(data["volume"]["by_category"], lambda c: category_label(catalog, c))
        title("by_channel")
        lines += bars(data["volume"]["by_channel"])
        title("by_day")
        lines += bars(data["volume"]["by_day"])
        first = data["first_response_seconds"]
        title("first_response")
        lines.append(
            Content(
                t(
                    "tui.report.stats",
                    median=duration(first["all"]["median"], catalog),
                    p90=duration(first["all"]["p90"], catalog),
                    n=first["all"]["count"],
                )
            )
        )
        for group in ("by_person", "by_category"):
            for name, stats in first[group].items():
                who = category_label(catalog, name) if group == "by_category" else name
                lines.append(
                    Content(
                        f"  {safe_str(who, one_line=True, max_len=20):<20} "
                        + t(
                            "tui.report.stats",
                            median=duration(stats["median"], catalog),
                            p90=duration(stats["p90"], catalog),
                            n=stats["count"],
                        )
                    )
                )
        approval = data["approval_delay_seconds"]
        title("approval")
        lines.append(
            Content(
                t(
                    "tui.report.approval_line",
                    median=duration(approval["median"], catalog),
                    p90=duration(approval["p90"], catalog),
                    n=approval["count"],
                    waiting=approval["waiting_now"],
                )
            )
        )
        backlog = data["backlog"]
        title("backlog")
        lines.append(
            Content(
                t(
                    "tui.report.backlog_line",
                    open=backlog["open"],
                    median=duration(backlog["age_seconds"]["median"], catalog),
                    oldest=duration(backlog["age_seconds"]["max"], catalog),
                )
            )
        )
        share = data["answered_share"]
        lines.append(
            Content(
                t("tui.report.answered_none")
                if share is None
                else t("tui.report.answered", percent=f"{share * 100:.0f}")  # "2 %" in French
            )
        )
        if data["answers_used"]:
            title("answers_used")
            lines += bars(
                {f"{a['name']} ({a['language']})": a["replies"] for a in data["answers_used"]}
            )
        self.query_one("#report-text", Static).update(Content("\n").join(lines))

    def action_days(self, days: int) -> None:
        """The last ``days`` days."""
        self.days = days
        self.load()

    def action_reload(self) -> None:
        """Compute again."""
        self.load()

    def action_back(self) -> None:
        """Back."""
        self.dismiss()
