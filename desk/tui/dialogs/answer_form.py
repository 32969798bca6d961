"""AnswerForm: the answer editor — every field of a library answer, saved through the service.

AnswersScreen opens it for a new answer (n) or the next version of one (e). It keeps what was
typed until the service accepts it; a refusal is shown under the fields and the field at fault
is marked, nothing typed is lost. Answer text comes from supervisors and from imported files, so
it goes back into the fields cleaned of terminal controls (desk.tui.safe).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from desk.answers.service import AnswerView, form_fields
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.tui import stylesheets
from desk.tui.failures import explain
from desk.tui.host import DeskHost
from desk.tui.labels import category_label, translate_bindings
from desk.tui.safe import safe_str
from desk.vocabulary import CATEGORIES

# What the form's save does with the fields and the version the editor started from.
SaveCall = Callable[[dict[str, Any], int | None], AnswerView]


class AnswerForm(ModalScreen[AnswerView | None]):
    """The editing dialog: every field of an answer; ctrl+s saves through ``save`` (in a worker),
    Escape cancels (twice when something was changed). Dismissed with the saved answer."""

    CSS_PATH = stylesheets.SCREENS  # read when first shown (desk.tui.stylesheets)

    BINDINGS = [
        Binding("escape", "cancel", "tui.keys.cancel"),
        Binding("ctrl+s", "save", "tui.keys.answer_save", priority=True),
    ]
    # The widget to mark for each field the service names in a refusal.
    FIELD_WIDGETS = {
        "name": "#answer-name",
        "language": "#answer-language",
        "title": "#answer-title",
        "body": "#answer-body",
        "source_url": "#answer-source",
        "expires_on": "#answer-expires",
        "tags": "#answer-tags",
        "categories": "#answer-categories",
        "pre_approved": "#answer-pre-approved",
    }

    def __init__(self, title: str, save: SaveCall, *, initial: AnswerView | None = None) -> None:
        super().__init__()
        self._title = title
        self._save = save
        self._initial = initial
        self._expected = initial.version if initial else None
        self._saving = False
        self._warned = False
        self._start: dict[str, Any] = {}

    @property
    def catalog(self) -> Catalog:
        """The interface catalog."""
        return cast("DeskHost", self.app).catalog

    def _row(self, key: str, widget: Widget) -> Horizontal:
        label = Label(Content(self.catalog.t(f"tui.form.{key}")), classes="form-label")
        return Horizontal(label, widget, classes="form-row")

    def compose(self) -> ComposeResult:
        """Name, language, title, text, source link, expiry, tags, categories, pre-approved."""
        t = self.catalog.t
        a = self._initial
        editing = a is not None

        def clean(value: str | None) -> str:
            return safe_str(value or "", one_line=True)

        with VerticalScroll(id="answer-form", classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield self._row(
                "name",
                Input(
                    clean(a.name) if a else "",
                    placeholder=t("tui.form.name_placeholder"),
                    id="answer-name",
                    compact=True,
                    disabled=editing,  # triage rules and replies refer to it
                ),
            )
            yield self._row(
                "language",
                Select(
                    [(t("triage.lang.fr"), "fr"), (t("triage.lang.en"), "en")],
                    value=a.language if a and a.language in ("fr", "en") else "fr",
                    allow_blank=False,
                    id="answer-language",
                    compact=True,
                    disabled=editing,
                ),
            )
            yield self._row(
                "title", Input(clean(a.title) if a else "", id="answer-title", compact=True)
            )
            yield self._row(
                "body",
                TextArea(safe_str(a.body) if a else "", id="answer-body", soft_wrap=True),
            )
            yield Static(Content(t("tui.form.variables")), classes="form-hint")
            yield self._row(
                "source",
                Input(
                    clean(a.source_url) if a else "",
                    placeholder=t("tui.form.source_placeholder"),
                    id="answer-source",
                    compact=True,
                ),
            )
            yield self._row(
                "expires",
                Input(
                    a.expires_on.isoformat() if a and a.expires_on else "",
                    placeholder=t("tui.form.expires_placeholder"),
                    id="answer-expires",
                    compact=True,
                ),
            )
            yield self._row(
                "tags",
                Input(
                    clean(", ".join(a.tags)) if a else "",
                    placeholder=t("tui.form.tags_placeholder"),
                    id="answer-tags",
                    compact=True,
                ),
            )
            chosen = set(a.categories) if a else set()
            boxes = [
                Checkbox(
                    Content(category_label(self.catalog, c)),
                    c in chosen,
                    id=f"answer-cat-{c}",
                    compact=True,
                )
                for c in CATEGORIES
            ]
            yield self._row("categories", Horizontal(*boxes, id="answer-categories"))
            yield Checkbox(
                Content(t("tui.form.pre_approved")),
                a.pre_approved if a else False,
                id="answer-pre-approved",
                compact=True,
            )
            yield Static(id="answer-form-error")
            yield Static(Content(t("tui.form.keys")), classes="form-hint")

    def on_mount(self) -> None:
        """Translate the keys, remember the starting values, focus the first open field."""
        translate_bindings(self, self.catalog)
        self._start = self.fields()
        first = "#answer-title" if self._initial else "#answer-name"
        self.query_one(first, Input).focus()

    def fields(self) -> dict[str, Any]:
        """What the form holds, as the service takes it."""

        def text(selector: str) -> str:
            return self.query_one(selector, Input).value

        return form_fields(
            name=text("#answer-name"),
            language=str(self.query_one("#answer-language", Select).value),
            title=text("#answer-title"),
            body=self.query_one("#answer-body", TextArea).text,
            source_url=text("#answer-source"),
            expires_on=text("#answer-expires"),
            tags=text("#answer-tags"),
            categories=[
                c for c in CATEGORIES if self.query_one(f"#answer-cat-{c}", Checkbox).value
            ],
            pre_approved=self.query_one("#answer-pre-approved", Checkbox).value,
        )

    def action_save(self) -> None:
        """ctrl+s: save once; further presses wait for the answer."""
        if self._saving:
            return
        self._saving = True
        self._say(self.catalog.t("tui.form.saving"))
        self._submit(self.fields(), self._expected)

    @work(thread=True, group="answer-form")
    def _submit(self, fields: dict[str, Any], expected: int | None) -> None:
        app = cast("DeskHost", self.app)
        try:
            with app.write_lock:
                view = self._save(fields, expected)
        except DeskError as exc:
            message, hint = explain(exc, app.catalog)
            field = getattr(exc, "field", None)
            version = exc.params.get("version") if exc.key == "answer_changed" else None
            self.app.call_from_thread(self.show_error, message, hint, field, version)
            return
        except Exception as exc:  # noqa: BLE001 - a failed write (locked database) keeps the form
            self.app.call_from_thread(self.show_error, *explain(exc, app.catalog), None)
            return
        self.app.call_from_thread(self.dismiss, view)

    def show_error(
        self, message: str, hint: str | None, field: str | None, version: int | None = None
    ) -> None:
        """A refusal under the fields; the field at fault is marked and focused. What was typed
        stays. ``version``: someone saved this version meanwhile; ctrl+s again saves over it."""
        self._saving = False
        if version is not None:
            self._expected = version
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        text = safe_str(message, max_len=600)
        if hint:
            text += "\n" + safe_str(hint, max_len=300)
        self._say(text, error=True)
        selector = self.FIELD_WIDGETS.get(field or "")
        if selector:
            widget = self.query_one(selector)
            widget.add_class("-invalid")
            target = widget if widget.focusable else next(iter(widget.query(Checkbox)), None)
            if target is not None and not target.disabled:
                target.focus()

    def _say(self, text: str, *, error: bool = False) -> None:
        box = self.query_one("#answer-form-error", Static)
        box.update(Content(text))
        box.set_class(error, "-error")

    def action_cancel(self) -> None:
        """Escape: close; when something was changed, the first Escape only warns."""
        if not self._warned and self.fields() != self._start:
            self._warned = True
            self._say(self.catalog.t("tui.form.unsaved"), error=True)
            return
        self.dismiss(None)
