"""Base screens: ``DeskScreen`` (language, errors) and ``MentionScreen`` (actions on one mention).

``MentionScreen`` declares the action keys shared by the queue and the detail screen (assign,
claim, release, close, reopen, spam, categorise, history...) and runs each action in a thread
worker through ``desk.inbox``; the outcome comes back as ``MentionChanged`` or ``ActionFailed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import work
from textual.app import CSSPathType
from textual.binding import ActiveBinding, Binding, BindingType
from textual.keys import key_to_character
from textual.screen import Screen

from desk.db.store import QueueFilter
from desk.i18n import Catalog
from desk.tui import stylesheets
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.failures import explain
from desk.tui.host import DeskHost
from desk.tui.labels import category_label, plural, translate_bindings
from desk.tui.messages import ActionFailed, MentionChanged, OpenTimeline
from desk.tui.widgets.crisis_banner import CrisisBanner
from desk.vocabulary import CATEGORIES

T = TypeVar("T")

if TYPE_CHECKING:
    from desk.bootstrap import Desk


FOOTER_FIRST = ("toggle_help", "app.toggle_help", "back")
"""The actions whose keys the footer shows first, in this order (help, then the way back)."""


def _typed(key: str) -> bool:
    """A binding's key that is a printable character (``r``, ``A``, ``question_mark``)."""
    character = key_to_character(key)
    return character is not None and character.isprintable()


class DeskScreen(Screen[None]):
    """A screen that follows the interface language and shows service errors safely."""

    CSS_PATH: ClassVar[CSSPathType | None] = stylesheets.SCREENS  # not the queue's: stylesheets

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, with help and the way back first (FOOTER_FIRST): the footer and the help
        panel show the keys in this order, and the footer is cut at the right on a narrow
        terminal (80 columns in French), where "? Aide" and "esc Retour" must stay in view."""
        bindings = super().active_bindings
        if self.types_letters():  # a letter key would be typed, not done: not offered
            bindings = {key: active for key, active in bindings.items() if not _typed(key)}
        first = sorted(
            (key for key, active in bindings.items() if active.binding.action in FOOTER_FIRST),
            key=lambda key: FOOTER_FIRST.index(bindings[key].binding.action),
        )
        return {key: bindings[key] for key in first} | {
            key: active for key, active in bindings.items() if key not in first
        }

    def types_letters(self) -> bool:
        """Whether a printable key goes into a text now rather than to a binding (the detail
        screen's kept draft, composer unfocused): the footer and help then leave such keys out."""
        return False

    @property
    def desk_app(self) -> DeskHost:
        """The running app (DeskApp), as far as screens may use it."""
        return cast("DeskHost", self.app)

    @property
    def desk(self) -> Desk:
        """The open desk (services and config)."""
        return self.desk_app.desk

    def t(self, key: str, **values: Any) -> str:
        """A string of the current catalog."""
        return self.desk_app.catalog.t(key, **values)

    def on_mount(self) -> None:
        """Translate the key descriptions and follow later language switches.

        Textual calls this for every subclass too (handlers run along the MRO): no super() call.
        """
        self.desk_app.language_changed.subscribe(self, self._language_changed)
        self.desk_app.crisis.changed.subscribe(self, lambda _none: self.show_crisis())
        self._language_changed(self.desk_app.catalog)

    def _language_changed(self, catalog: Catalog) -> None:
        self.translate_keys(catalog)
        self.relabel(catalog)
        self.show_crisis()

    def translate_keys(self, catalog: Catalog) -> None:
        """The descriptions of this screen's keys and its widgets' (footer, help, palette)."""
        translate_bindings(self, catalog)
        for widget in self.query("*"):
            if widget._bindings.key_to_bindings:
                translate_bindings(widget, catalog)
        self.refresh_bindings()

    def show_crisis(self) -> None:
        """Draw this screen's crisis banner, if it has one, from the app's CrisisWatch."""
        for banner in self.query(CrisisBanner):
            banner.show(
                self.desk_app.crisis.status,
                self.desk_app.catalog,
                self.desk.config.hours.calendar(),
                self.desk.clock(),
            )

    def relabel(self, catalog: Catalog) -> None:
        """Redraw every label in ``catalog``'s language (screens override)."""

    def on_action_failed(self, message: ActionFailed) -> None:
        """A refused action: show the service's message (sanitised) and keep everything as is."""
        self.desk_app.show_error(message.message, message.hint)

    def action_handover(self) -> None:
        """Pick who hands over (default: me) and who takes their open mentions."""
        staff = [
            (s.name, f"{s.display_name} ({s.initials}) — {s.name}") for s in self.desk.config.staff
        ]

        def target_chosen(source: str, target: str | None) -> None:
            if target:
                self.count_handover(source, target)

        def source_chosen(source: str | None) -> None:
            if source:
                active = {s.name for s in self.desk.config.staff if s.active}  # receive work
                others = [(v, label) for v, label in staff if v != source and v in active]
                self.app.push_screen(
                    PickerScreen(self.t("tui.pick.handover_to", name=source), others),
                    lambda target: target_chosen(source, target),
                )

        self.app.push_screen(
            PickerScreen(self.t("tui.pick.handover_from"), staff, current=self.desk.me.name),
            source_chosen,
        )

    def run_service(self, call: Callable[[], T]) -> tuple[bool, T | None]:
        """Run a service call under the app's write lock (from a worker thread); a refusal or a
        failed write (e.g. a locked database) is posted as ActionFailed instead of raised."""
        try:
            with self.desk_app.write_lock:
                return True, call()
        except Exception as exc:  # noqa: BLE001 - a failed write must not kill the desk
            self.post_message(ActionFailed(*explain(exc, self.desk_app.catalog)))
        return False, None

    @work(thread=True, exclusive=True, group="handover-count")
    def count_handover(self, source: str, target: str) -> None:
        """Count what a hand-over would move, then ask (one keystroke once moved 341 items)."""
        try:
            count = self.desk.queries.count(QueueFilter(view="open", assignee=source))
        except Exception as exc:  # noqa: BLE001 - a failed read is said, the desk goes on
            self.post_message(ActionFailed(*explain(exc, self.desk_app.catalog)))
            return
        self.app.call_from_thread(self.confirm_handover, source, target, count)

    def confirm_handover(self, source: str, target: str, count: int) -> None:
        """Ask, with the count, before moving anyone's work (the answer preset to no)."""
        if not count:
            self.notify(self.t("tui.handover.none", source=source), markup=False)
            return
        one = count == 1 or (count == 0 and self.desk_app.catalog.language == "fr")
        question = self.t(
            "tui.handover.confirm_one" if one else "tui.handover.confirm",
            n=count,
            source=source,
            target=target,
        )
        options = [("yes", self.t("tui.handover.yes", n=count)), ("no", self.t("tui.handover.no"))]

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.hand_over(source, target)

        self.app.push_screen(PickerScreen(question, options, current="no"), answered)

    @work(thread=True, group="mention-action")
    def hand_over(self, source: str, target: str) -> None:
        """Run ``desk.inbox.handover`` off the UI thread."""
        done, moved = self.run_service(lambda: self.desk.inbox.handover(source, target))
        if not done or moved is None:
            return
        self.app.call_from_thread(
            self.notify,
            plural(
                self.desk_app.catalog, "tui.done.handover", len(moved), source=source, target=target
            ),
            markup=False,
        )
        self.app.call_from_thread(self.desk_app.inbox_changed.publish, None)


MENTION_BINDINGS: list[BindingType] = [
    Binding("a", "assign", "tui.keys.assign"),
    Binding("m", "claim", "tui.keys.claim"),
    Binding("u", "release", "tui.keys.release", show=False),
    Binding("x", "close_mention", "tui.keys.close"),
    Binding("o", "reopen", "tui.keys.reopen", show=False),
    Binding("s", "spam", "tui.keys.spam"),
    Binding("C", "categorise", "tui.keys.categorise"),
    Binding("r", "reply", "tui.keys.reply"),
    Binding("h", "history", "tui.keys.history"),
    Binding("A", "app.open_audit", "tui.keys.audit"),
    Binding("R", "app.open_replies", "tui.keys.replies"),
    Binding("V", "app.open_approvals", "tui.keys.approvals"),
    Binding("S", "app.open_report", "tui.keys.report", show=False),
    Binding("T", "handover", "tui.keys.handover", show=False),
]


class MentionScreen(DeskScreen):
    """A screen with a current mention and the single-key actions on it."""

    BINDINGS = MENTION_BINDINGS

    def mention_id(self) -> int | None:
        """The mention the actions apply to (subclasses say which)."""
        raise NotImplementedError

    def _target(self) -> int | None:
        mention_id = self.mention_id()
        if mention_id is None:
            self.notify(self.t("tui.msg.no_selection"), severity="warning", markup=False)
        return mention_id

    # Not exclusive: an exclusive group could cancel a first action (m) when a second one (x)
    # comes quickly; instead every action runs, one at a time, under the app's write lock.
    @work(thread=True, group="mention-action")
    def perform(self, action: str, mention_id: int, *args: str) -> None:
        """Run ``desk.inbox.<action>(mention_id, *args)`` off the UI thread."""
        done, _ = self.run_service(lambda: getattr(self.desk.inbox, action)(mention_id, *args))
        if not done:
            return
        self.post_message(MentionChanged(mention_id, action, args[0] if args else ""))

    def on_mention_changed(self, message: MentionChanged) -> None:
        """Say what was done, then tell every screen the inbox changed."""
        self.notify(
            self.t(f"tui.done.{message.action}", id=message.mention_id, value=message.value),
            markup=False,
        )
        self.desk_app.inbox_changed.publish(message.mention_id)

    def _run(self, action: str) -> None:
        mention_id = self._target()
        if mention_id is not None:
            self.perform(action, mention_id)

    def action_assign(self) -> None:
        """Pick a staff member and assign the mention to them."""
        mention_id = self._target()
        if mention_id is None:
            return
        staff = [
            (s.name, f"{s.display_name} ({s.initials}) — {s.name}")
            for s in self.desk.config.staff
            if s.active  # a deactivated person is given no new work (desk.staff)
        ]

        def chosen(name: str | None) -> None:
            if name:
                self.perform("assign", mention_id, name)

        self.app.push_screen(PickerScreen(self.t("tui.pick.assign", id=mention_id), staff), chosen)

    def action_categorise(self) -> None:
        """Pick a category for the mention."""
        mention_id = self._target()
        if mention_id is None:
            return
        catalog = self.desk_app.catalog
        options = [(c, category_label(catalog, c)) for c in CATEGORIES]

        def chosen(category: str | None) -> None:
            if category:
                self.perform("categorise", mention_id, category)

        self.app.push_screen(
            PickerScreen(self.t("tui.pick.category", id=mention_id), options), chosen
        )

    def action_claim(self) -> None:
        """Take the mention for yourself."""
        self._run("claim")

    def action_release(self) -> None:
        """Give the mention back (unassigned)."""
        self._run("release")

    def action_close_mention(self) -> None:
        """Mark the mention done."""
        self._run("close")

    def action_reopen(self) -> None:
        """Put a closed mention back in the queue."""
        self._run("reopen")

    def action_spam(self) -> None:
        """Categorise as spam and close."""
        self._run("mark_spam")

    def action_history(self) -> None:
        """This mention's timeline (its audit events, readable; ``l`` there shows them raw)."""
        mention_id = self._target()
        if mention_id is not None:
            self.post_message(OpenTimeline(mention_id))
