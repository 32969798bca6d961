"""TimelineScreen: one mention's story, oldest first — the readable form of its audit trail.

The timeline is built in the core (``desk.queries.timeline``, desk.audit.timeline) in a worker and
read again whenever the inbox changes. Times are in the desk's time zone; every step says
when, after how long, who, and what in a sentence of the interface language; the text of a
reply (as posted) and a reviewer's note follow the step. ``l`` opens the raw audit events.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from desk.audit.timeline import Step, Timeline, gap_text, local_time, sentence, summary
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.tui.labels import status_label
from desk.tui.messages import ActionFailed, OpenAudit
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets.footer import DeskFooter


@dataclass
class TimelineLoaded(Message):
    """A mention's timeline, read in a worker."""

    timeline: Timeline


class TimelineScreen(DeskScreen):
    """Everything that happened to one mention, in order, with the time between steps."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("l", "raw_log", "tui.keys.raw_log"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self, mention_id: int) -> None:
        super().__init__()  # no fixed id: it may be stacked more than once
        self.mention_id = mention_id
        self.timeline: Timeline | None = None

    def compose(self) -> ComposeResult:
        """Header, the milestones, then the mention and its steps (scrolling)."""
        yield Static(id="timeline-header", classes="header-line")
        yield Static(id="timeline-summary")
        with VerticalScroll(id="timeline-body"):
            yield Static(id="timeline-mention", classes="section")
            yield Static(id="timeline-steps", classes="section")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the timeline; follow later changes to the inbox."""
        self.desk_app.inbox_changed.subscribe(self, self._inbox_changed)
        self.query_one("#timeline-body").focus()
        self.load()

    def _inbox_changed(self, mention_id: int | None) -> None:
        if mention_id in (None, self.mention_id):
            self.load()

    @work(thread=True, exclusive=True, group="timeline-load")
    def load(self) -> None:
        """Build the timeline (read-only)."""
        try:
            timeline = self.desk.queries.timeline(self.mention_id)
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(TimelineLoaded(timeline))

    def on_timeline_loaded(self, message: TimelineLoaded) -> None:
        """Show it."""
        self.timeline = message.timeline
        self._fill(self.desk_app.catalog)

    # -- actions -------------------------------------------------------------------------
    def action_back(self) -> None:
        """Back to the previous screen."""
        self.dismiss()

    def action_reload(self) -> None:
        """Read the timeline again."""
        self.load()

    def action_raw_log(self) -> None:
        """The audit events of this mention, as recorded (with hashes)."""
        self.post_message(OpenAudit(mention_id=self.mention_id))

    # -- rendering -----------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Everything in the new language."""
        if self.is_mounted:
            self._fill(catalog)

    def _fill(self, catalog: Catalog) -> None:
        t = catalog.t
        header = self.query_one("#timeline-header", Static)
        timeline = self.timeline
        if timeline is None:
            header.update(Content(t("tui.timeline.loading", id=self.mention_id)))
            return
        subject = timeline.subject
        header.update(
            Content(  # literal: the handle is cleaned, nothing in it is read as markup
                t(
                    "tui.timeline.header",
                    id=subject.id,
                    author=safe_str(subject.author_handle, one_line=True, max_len=80),
                    status=status_label(catalog, subject.status),
                )
            )
        )
        self.query_one("#timeline-summary", Static).update(
            safe(t("timeline.summary", summary=summary(timeline, catalog)), one_line=True)
        )
        mention = self.query_one("#timeline-mention", Static)
        mention.border_title = Content(t("tui.section.body"))
        mention.update(safe(subject.text, max_len=4000))
        steps = self.query_one("#timeline-steps", Static)
        tz = self.desk.config.hours.calendar().tz
        steps.border_title = Content(t("tui.keys.timeline"))
        steps.border_subtitle = Content(t("tui.timeline.times", tz=self.desk.config.hours.timezone))
        table = Table(box=None, show_header=False, expand=True, pad_edge=False, padding=(0, 1))
        table.add_column(no_wrap=True, style="dim")  # when
        table.add_column(no_wrap=True, justify="right", style="dim")  # after how long
        table.add_column(no_wrap=True, max_width=20, style="bold")  # who
        table.add_column(ratio=1, overflow="fold")  # what: wraps under itself
        previous: Step | None = None
        for step in timeline.steps:
            table.add_row(
                safe_text(local_time(step.at, tz)),
                safe_text(gap_text(step, previous, catalog)),
                safe_text(step.actor, one_line=True, max_len=20),
                self._what(step, catalog),
            )
            previous = step
        if timeline.truncated:
            table.add_row("", "", "", safe_text(t("timeline.truncated")))
        steps.update(table)

    def _what(self, step: Step, catalog: Catalog) -> Text:
        """The sentence, then the note and the reply's text (each line under the first)."""
        words = sentence(step, catalog, self.desk.config.display_names())  # "Réponse d'Amélie"
        what = Text(safe_str(words, max_len=600, one_line=True), end="")
        for label, text in (
            (catalog.t("timeline.note"), step.note),
            (catalog.t("timeline.text"), step.text),
        ):
            if text is not None:
                what.append("\n")
                what.append(label + " ", style="dim")
                what.append_text(safe_text(text, max_len=4000))
        return what
