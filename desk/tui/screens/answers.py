"""AnswersScreen: the answer library (B) — every live answer, the highlighted one in full, and for
supervisors new (n), edit (e) and retire (d) through the AnswerForm dialog (desk.tui.dialogs).

Reads and writes run in workers through ``desk.answers``, which refuses agents: agents can read
the library, and its editing keys tell them a supervisor is needed. Answer text comes from
supervisors and from imported files, so it reaches the screen through desk.tui.safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from desk.answers.service import AnswerView, expired
from desk.i18n import Catalog
from desk.tui.dialogs.answer_form import AnswerForm
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.labels import category_label
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets.footer import DeskFooter


@dataclass
class LibraryLoaded(Message):
    """The live answers, and today's date in the desk's time zone (for the expiry flags)."""

    answers: list[AnswerView]
    today: date
    select: int | None = None


class AnswersScreen(DeskScreen):
    """The answer library."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("n", "new_answer", "tui.keys.answer_new"),
        Binding("e", "edit_answer", "tui.keys.answer_edit"),
        Binding("d", "retire_answer", "tui.keys.answer_retire"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="answers-screen")
        self.answers: list[AnswerView] = []
        self.today: date | None = None

    def compose(self) -> ComposeResult:
        """Header, the table, the highlighted answer in full."""
        yield Static(id="answers-header", classes="header-line")
        yield DataTable(id="answers-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="answers-preview", classes="section")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the library."""
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="answers-load")
    def load(self, select: int | None = None) -> None:
        """Read the live answers (``select``: put the cursor on this one afterwards)."""
        answers = self.desk.answers
        done, found = self.run_service(lambda: (answers.list(), answers.today()))
        if done and found is not None:
            self.post_message(LibraryLoaded(found[0], found[1], select))

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        """Fill the table, keeping (or moving) the cursor."""
        table = self.query_one(DataTable)
        keep = message.select
        if keep is None and 0 <= table.cursor_row < len(self.answers):
            keep = self.answers[table.cursor_row].id
        self.answers, self.today = message.answers, message.today
        self._fill()
        ids = [a.id for a in self.answers]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        self._show(self._current())

    def relabel(self, catalog: Catalog) -> None:
        """Redraw in the new language."""
        if self.today is not None:
            # After the refresh: refilled at once, the table keeps the columns' old widths.
            self.call_after_refresh(self._refill)

    def _refill(self) -> None:
        self._fill()
        self._show(self._current())

    def _flags(self, answer: AnswerView) -> list[str]:
        flags = []
        if self.today is not None and expired(answer, self.today):
            flags.append(self.t("tui.library.expired"))
        if answer.source_changed:
            flags.append(self.t("tui.library.source_changed"))
        return flags

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key in ("name", "language", "version", "pre_approved", "expires", "tags", "flags"):
            table.add_column(Text(self.t(f"tui.library.col.{key}")), key=key)
        for a in self.answers:
            table.add_row(
                safe_text(a.name, one_line=True, max_len=40),
                safe_text(a.language, one_line=True, max_len=4),
                safe_text(f"v{a.version}"),
                safe_text(self.t("tui.library.yes") if a.pre_approved else ""),
                safe_text(a.expires_on.isoformat() if a.expires_on else "—"),
                safe_text(", ".join(a.tags), one_line=True, max_len=30),
                safe_text(" · ".join(self._flags(a)), style="bold"),
                key=str(a.id),
            )
        header = self.t("tui.library.header", count=len(self.answers))
        if not self.desk.me.is_supervisor:
            header += " · " + self.t("tui.library.read_only")
        self.query_one("#answers-header", Static).update(Content(header))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted answer in full."""
        if 0 <= event.cursor_row < len(self.answers):
            self._show(self.answers[event.cursor_row])

    def _current(self) -> AnswerView | None:
        row = self.query_one(DataTable).cursor_row
        return self.answers[row] if 0 <= row < len(self.answers) else None

    def _show(self, answer: AnswerView | None) -> None:
        box = self.query_one("#answers-preview", Static)
        if answer is None:
            box.border_title = None
            empty = self.t("tui.library.empty")
            if self.desk.me.is_supervisor:
                empty += " " + self.t("tui.library.empty_supervisor")
            box.update(Content(empty))
            return
        box.border_title = Content(
            f"{safe_str(answer.name, one_line=True, max_len=60)} ({answer.language}) "
            f"v{answer.version}"
        )
        lines = []
        if answer.pre_approved:
            lines.append(self.t("tui.library.pre_approved_long"))
        if answer.expires_on and self.today is not None and expired(answer, self.today):
            lines.append(self.t("tui.library.expired_on", date=answer.expires_on.isoformat()))
        elif answer.expires_on:
            lines.append(self.t("tui.library.expires", date=answer.expires_on.isoformat()))
        if answer.source_changed and answer.source_updated:
            lines.append(
                self.t("tui.library.source_changed_long", date=answer.source_updated.isoformat())
            )
        if answer.source_url:
            url = safe_str(answer.source_url, one_line=True, max_len=300)
            lines.append(self.t("tui.library.source", url=url))
        if answer.categories:
            catalog = self.desk_app.catalog
            names = ", ".join(category_label(catalog, c) for c in answer.categories)
            lines.append(self.t("tui.library.categories", list=safe_str(names, one_line=True)))
        if answer.tags:
            tags = safe_str(", ".join(answer.tags), one_line=True, max_len=300)
            lines.append(self.t("tui.library.tags", list=tags))
        when = answer.updated_at.date().isoformat() if answer.updated_at else "?"
        who = safe_str(answer.updated_by, one_line=True, max_len=40)
        lines.append(self.t("tui.library.revised", version=answer.version, who=who, when=when))
        box.update(
            Content.assemble(
                (safe_str(answer.title, one_line=True, max_len=200) + "\n", "bold"),
                safe(answer.body, max_len=5000),
                "\n\n",
                ("\n".join(lines), "$text-muted"),
            )
        )

    # -- supervisors -----------------------------------------------------------------------
    def _supervisor(self) -> bool:
        """True for a supervisor; otherwise say the library is theirs to change."""
        if self.desk.me.is_supervisor:
            return True
        self.notify(self.t("tui.library.supervisor_only"), severity="warning", markup=False)
        return False

    def _selected(self) -> AnswerView | None:
        answer = self._current()
        if answer is None:
            self.notify(self.t("tui.library.no_selection"), severity="warning", markup=False)
        return answer

    def action_new_answer(self) -> None:
        """n: a new answer."""
        if not self._supervisor():
            return
        answers = self.desk.answers
        self.app.push_screen(
            AnswerForm(self.t("tui.form.new_title"), lambda fields, _v: answers.create(fields)),
            lambda view: self._saved(view, None),
        )

    def action_edit_answer(self) -> None:
        """e: edit the highlighted answer; saving makes its next version."""
        if not self._supervisor():
            return
        answer = self._selected()
        if answer is None:
            return
        answers = self.desk.answers
        title = self.t(
            "tui.form.edit_title",
            name=safe_str(answer.name, one_line=True, max_len=60),
            language=answer.language,
            version=answer.version,
            next=answer.version + 1,
        )

        def save(fields: dict[str, Any], expected: int | None) -> AnswerView:
            return answers.edit(answer.id, fields, expected_version=expected)

        self.app.push_screen(
            AnswerForm(title, save, initial=answer), lambda view: self._saved(view, answer)
        )

    def _saved(self, view: AnswerView | None, before: AnswerView | None) -> None:
        if view is None:
            return
        if before is None:
            key = "created"
        else:
            key = "unchanged" if view.version == before.version else "saved"
        name = safe_str(view.name, one_line=True, max_len=60)
        self.notify(
            self.t(f"tui.library.{key}", name=name, language=view.language, version=view.version),
            markup=False,
        )
        self.load(select=view.id)

    def action_retire_answer(self) -> None:
        """d: retire the highlighted answer, after a confirmation."""
        if not self._supervisor():
            return
        answer = self._selected()
        if answer is None:
            return
        title = self.t(
            "tui.library.retire_title",
            name=safe_str(answer.name, one_line=True, max_len=60),
            language=answer.language,
        )
        options = [
            ("keep", self.t("tui.library.retire_no")),
            ("retire", self.t("tui.library.retire_yes")),
        ]

        def chosen(value: str | None) -> None:
            if value == "retire":
                self.retire(answer)

        self.app.push_screen(PickerScreen(title, options), chosen)

    @work(thread=True, group="answers-write")
    def retire(self, answer: AnswerView) -> None:
        """Retire through the service, off the UI thread."""
        done, view = self.run_service(lambda: self.desk.answers.retire(answer.id))
        if done and view is not None:
            self.app.call_from_thread(self._retired, view)

    def _retired(self, view: AnswerView) -> None:
        name = safe_str(view.name, one_line=True, max_len=60)
        self.notify(self.t("tui.library.retired", name=name, language=view.language), markup=False)
        self.load()

    def action_reload(self) -> None:
        """Read the library again."""
        self.load()

    def action_back(self) -> None:
        """Back."""
        self.dismiss()
