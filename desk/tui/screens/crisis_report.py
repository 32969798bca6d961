"""CrisisReportScreen: the report of the crisis going on, or of the last one (``K``).

The same report as ``desk crisis report`` (desk.crisis.report), computed in a worker and drawn
from its plain-text form line by line as literal Content (reasons, names, topics and rumour texts
come from people: desk.crisis.report.render cleans them, and nothing is parsed as markup). With
no crisis ever declared, the screen says so and how to declare one.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from desk.crisis.report import CrisisReport, render
from desk.errors import NotFound
from desk.i18n import Catalog
from desk.tui.failures import explain
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets.footer import DeskFooter


@dataclass
class CrisisReportLoaded(Message):
    """The crisis report, or why there is none (``missing``: message and hint)."""

    report: CrisisReport | None
    missing: tuple[str, str | None] | None = None


class CrisisReportScreen(DeskScreen):
    """First signal, declaration, first correction, replies, time to answer, rumours, timeline."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="crisis-report-screen")
        self.report: CrisisReport | None = None
        self.missing: tuple[str, str | None] | None = None

    def compose(self) -> ComposeResult:
        """Header and the report."""
        yield Static(id="crisis-report-header", classes="header-line")
        with VerticalScroll(id="crisis-report-body"):
            yield Static(id="crisis-report-text")
        yield DeskFooter()

    def on_mount(self) -> None:
        """Compute the report."""
        self.query_one("#crisis-report-text", Static).update(Content(self.t("tui.crisis.loading")))
        self.load()

    @work(thread=True, exclusive=True, group="crisis-report")
    def load(self) -> None:
        """Read the report off the UI thread (reads only: no write lock)."""
        try:
            report = self.desk.crisis_report.report()
        except NotFound as exc:
            self.post_message(CrisisReportLoaded(None, exc.localized(self.desk_app.catalog.t)))
            return
        except Exception as exc:  # noqa: BLE001 - a failed read is said, the desk goes on
            self.post_message(CrisisReportLoaded(None, explain(exc, self.desk_app.catalog)))
            return
        self.post_message(CrisisReportLoaded(report))

    def on_crisis_report_loaded(self, message: CrisisReportLoaded) -> None:
        """Draw it."""
        self.report, self.missing = message.report, message.missing
        self._draw(self.desk_app.catalog)

    def relabel(self, catalog: Catalog) -> None:
        """Redraw in the new language."""
        if self.is_mounted:
            self._draw(catalog)

    def _draw(self, catalog: Catalog) -> None:
        self.query_one("#crisis-report-header", Static).update(
            Content(catalog.t("tui.crisis.report_header"))
        )
        text = self.query_one("#crisis-report-text", Static)
        if self.missing is not None:
            message, hint = self.missing
            text.update(Content("\n").join([Content(message), Content(hint or "")]))
            return
        if self.report is None:
            return
        lines = render(self.report, catalog, self.desk.config.hours.calendar())
        shown = [Content.styled(lines[0], "bold"), *(Content(line) for line in lines[1:])]
        text.update(Content("\n").join(shown))

    def action_reload(self) -> None:
        """Compute again."""
        self.load()

    def action_back(self) -> None:
        """Back."""
        self.dismiss()
