"""DeskApp: holds the open Desk, switches the interface language, reloads the rules.

Kept thin on purpose: screens own their state and call the services; the app only carries what
every screen shares (the desk, the catalog, two signals, unsent drafts) and app-wide keys. Which
screen opens when is desk.tui.navigation's (``Navigator``, which DeskApp inherits).
"""

from __future__ import annotations

import threading
from typing import Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.signal import Signal
from textual.widgets import HelpPanel, TextArea

from desk.bootstrap import Desk
from desk.errors import DeskError
from desk.i18n import Catalog
from desk.platforms.registry import PLATFORMS
from desk.tui import collector, stylesheets
from desk.tui.commands import DeskCommands
from desk.tui.crisis import CrisisWatch
from desk.tui.dialogs.help import SMALL as HELP_SMALL
from desk.tui.dialogs.help import HelpScreen
from desk.tui.failures import explain
from desk.tui.labels import translate_bindings
from desk.tui.live import LiveSide
from desk.tui.navigation import Navigator
from desk.tui.safe import safe_str
from desk.tui.screens.queue import QueueScreen
from desk.tui.widgets.queue_list import QueueList
from desk.views import QueueRow


class DatabaseChanged(Message):
    """Another desk committed a change (desk.db.changes), heard by the listener thread."""


class DeskApp(Navigator):
    """The shared-inbox desk in the terminal."""

    CSS_PATH = stylesheets.QUEUE  # the queue's rules alone before the first paint
    COMMANDS = App.COMMANDS | {DeskCommands}
    BINDINGS = [
        Binding("L", "switch_language", "tui.keys.language"),
        Binding("question_mark,f1", "toggle_help", "tui.keys.help"),
        # priority: the queue screen binds ctrl+r to its own refresh, which would win otherwise
        Binding("ctrl+r", "reload_rules", "tui.keys.reload_rules", show=False, priority=True),
        Binding("ctrl+z", "undo_send", "tui.keys.undo_send", show=False, priority=True),
    ]
    RULES_POLL_SECONDS = 2.0

    def __init__(
        self, desk: Desk, *, first_page: list[QueueRow] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.desk = desk
        # The home view's first page, read before the app started (see make_app): the queue
        # is drawn with rows in its very first frame; the count and later pages come in workers.
        self.first_page = first_page
        self.catalog: Catalog = desk.catalog
        self.language_changed: Signal[Catalog] = Signal(self, "language-changed")
        self.inbox_changed: Signal[int | None] = Signal(self, "inbox-changed")
        self.drafts: dict[int, str] = {}
        self.write_lock = threading.Lock()  # actions from this app run one at a time, in order
        self.title = self.catalog.t("tui.title")
        translate_bindings(self, self.catalog)
        self.live = LiveSide(self, desk, self.inbox_changed)
        self._idle_collector = collector.IdleCollector()
        self.crisis = CrisisWatch(self, desk, self.inbox_changed)

    def on_mount(self) -> None:
        """Watch the rule file (an edit saved by the team is picked up without a restart) and
        the database (another desk's change shows here at once), and start the live channels
        and the outbox in the background (desk.tui.live)."""
        self._rules_stamp = self._rules_mtime()
        self.set_interval(self.RULES_POLL_SECONDS, self._poll_rules)
        self.set_interval(collector.IDLE_SECONDS / 2, self._idle_collector.tick)
        self.call_after_refresh(self._start_background)

    def _start_background(self) -> None:
        """The threads that follow the other desks, the live channels and the crises, started
        once the first screen is drawn (they would share the interpreter with its drawing);
        not at all when the app stopped first (a browser tab shut at once)."""
        if not self.is_running:
            return
        self._changes = self.desk.watch_changes()
        # A plain daemon thread, not a Textual worker: it runs for the app's whole life, and
        # a worker that never completes would hold up everything that waits for workers.
        self._listener = threading.Thread(
            target=self._hear_changes, name="desk-changes", daemon=True
        )
        self._listener.start()
        self.live.start()
        self.crisis.start()  # the banner: a crisis declared on any desk, the surges going on

    def on_ready(self) -> None:
        """The first screen is drawn: get what the first opened mention needs ready now,
        rather than on that first open (desk.tui.navigation; the reply length rules)."""
        collector.drawn()
        self.call_after_refresh(self._prepare)

    def _prepare(self) -> None:
        """Mount the detail screen aside, then (once it is mounted) warm up in a worker: one
        after the other, so that neither holds up the other, nor a key pressed meanwhile, more
        than it must (the worker's parsing takes the interpreter from the UI thread)."""
        self.prepare_detail()
        self._after_detail()

    def _after_detail(self) -> None:
        if self._detail is not None and not self._detail.is_mounted:
            self.call_after_refresh(self._after_detail)
            return
        self._warm_up()

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        """Read the triage rules (the first paint does without them; an unusable file is
        said here), then load each platform's reply-length rules (X's twitter-text compiles
        its patterns on first use, ~0.2 s), off the UI thread, before the first mention is
        opened."""
        try:
            self.desk.loaded_rules  # noqa: B018 - read now, off the UI thread
        except DeskError as exc:
            message, _hint = explain(exc, self.catalog)  # its hint names a command line
            self.call_from_thread(
                self.show_error,
                self.catalog.t("tui.msg.rules_unusable") + " " + message,
                self.catalog.t("tui.msg.rules_unusable_hint"),
                timeout=30,
            )
        for name in PLATFORMS:
            try:
                self.desk.replies.preview(name, "")
            except Exception:  # noqa: BLE001, S112 - a warm-up only: the open pays it instead
                continue
        self.call_from_thread(collector.settle)  # the start-up work is done: it lives on

    async def on_event(self, event: events.Event) -> None:
        """Note when a key or a click comes in (the collector waits for a pause)."""
        if isinstance(event, events.InputEvent):
            self._idle_collector.input()
        await super().on_event(event)

    def on_unmount(self) -> None:
        """Stop the background polling."""
        if hasattr(self, "_listener"):  # started (the app may stop before its first frame)
            self._changes.close()  # the listener's wait returns within a poll
            self._listener.join(timeout=2)
        self.live.stop()

    def _hear_changes(self) -> None:
        """Another desk committed (desk.db.changes): every screen reads again what it shows,
        keeping its cursor. Our own changes are heard too; reading again is cheap."""
        try:
            while not self._changes.closed:
                if self._changes.wait(1.0):
                    # post_message (thread-safe, never waits), not call_from_thread
                    self.post_message(DatabaseChanged())
        except Exception:  # noqa: BLE001, S110 - a vanished file: the 15 s refresh remains
            pass

    def on_database_changed(self, _message: DatabaseChanged) -> None:
        """Tell every screen (desk.tui.host's inbox_changed)."""
        self.inbox_changed.publish(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+z in a text being written is the text's own undo (TextArea); the undo of a
        sent reply is for an empty editor (where the cancelled text comes back) or elsewhere."""
        if action == "undo_send":
            focused = self.focused
            if isinstance(focused, TextArea) and not focused.read_only and focused.text:
                return False  # the key falls through to TextArea's undo
        return True

    def action_undo_send(self) -> None:
        """Cancel the last reply still in its undo window; its text goes back to the draft."""
        target = self.live.undo_target()
        if target is None:
            self.notify(self.catalog.t("tui.live.nothing_to_undo"), markup=False)
            return
        self._undo_send(*target)

    @work(thread=True, exclusive=True, group="undo")
    def _undo_send(self, reply_id: int, mention_id: int, body: str) -> None:
        try:
            with self.write_lock:
                self.desk.outbox.cancel(reply_id)
        except DeskError as exc:
            self.call_from_thread(self.show_error, *exc.localized(self.catalog.t))
            return
        self.live.last_queued = None
        self.drafts[mention_id] = body  # nothing lost: the text waits in the composer
        self.call_from_thread(
            self.notify, self.catalog.t("tui.live.cancelled", id=mention_id), markup=False
        )
        self.call_from_thread(self.inbox_changed.publish, mention_id)

    def _rules_mtime(self) -> float | None:
        path = self.desk.config.rules_path()
        try:
            return path.stat().st_mtime if path else None
        except OSError:
            return None

    def _poll_rules(self) -> None:
        if self._rules_mtime() != self._rules_stamp:
            self.action_reload_rules()

    def action_reload_rules(self) -> None:
        """Read the rule file again and re-triage open mentions (audited); errors keep the old."""
        self._rules_stamp = self._rules_mtime()  # so the watch does not reload this edit again
        self._reload_rules()

    @work(thread=True, exclusive=True, group="rules")
    def _reload_rules(self) -> None:
        try:
            with self.write_lock:
                rules = self.desk.reload_rules()
                # re-triage changes mentions: a supervisor's desk does it (agents' desks reload)
                changed = self.desk.triage.retriage().changed if self.desk.me.is_supervisor else 0
        except DeskError as exc:
            message, hint = explain(exc, self.catalog)
            self.call_from_thread(
                self.show_error, self.catalog.t("tui.msg.rules_bad") + " " + message, hint
            )
            return
        except Exception as exc:  # noqa: BLE001 - a failed write (e.g. locked database) must not kill the desk
            self.call_from_thread(self.show_error, *explain(exc, self.catalog))
            return
        self.call_from_thread(self._rules_reloaded, len(rules.rules), changed)

    def _rules_reloaded(self, count: int, changed: int) -> None:
        self.notify(
            self.catalog.t("tui.msg.rules_reloaded", n=count, changed=changed), markup=False
        )
        self.inbox_changed.publish(None)

    def action_switch_language(self) -> None:
        """Flip between French and English everywhere, footer keys included."""
        self.catalog = Catalog("en" if self.catalog.language == "fr" else "fr")
        self.desk.catalog = self.catalog
        self.title = self.catalog.t("tui.title")
        translate_bindings(self, self.catalog)
        self.language_changed.publish(self.catalog)
        self.notify(self.catalog.t("tui.msg.language"), markup=False)

    def action_toggle_help(self) -> None:
        """Show or hide the panel listing the keys of the current screen; on a small terminal,
        the help in a screen of its own, scrolled (desk.tui.dialogs.help)."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        elif self.size.width < HELP_SMALL[0] or self.size.height < HELP_SMALL[1]:
            self.push_screen(help_screen(self))
        else:
            self.action_show_help_panel()

    def show_error(self, message: str, hint: str | None = None, *, timeout: float = 8) -> None:
        """A service's refusal in a notification: sanitised, never parsed as markup."""
        text = safe_str(message, max_len=600)
        if hint:
            text += "\n" + safe_str(hint, max_len=300)
        self.notify(
            text,
            title=self.catalog.t("tui.msg.error"),
            severity="error",
            timeout=timeout,
            markup=False,
        )


def make_app(desk: Desk) -> DeskApp:
    """The app with the home view's first rows already read (one indexed query, ~1 ms: a
    screenful; the rest of the page is read in a worker once the app draws)."""
    rows = desk.queries.page(QueueScreen.home_filter(desk), 0, QueueList.FIRST_ROWS)
    # Everything loaded so far (modules, config) lives as long as the app; the collector runs
    # little and cheaply on keys (desk.tui.collector; bench_ui's move and open figures).
    collector.start()
    try:
        return DeskApp(desk, first_page=rows)
    except BaseException:
        collector.drawn()  # no frame will be drawn: the collector runs again
        raise


def run_ui(desk: Desk) -> None:
    """Run the TUI on an open desk until the user quits."""
    try:
        make_app(desk).run()
    finally:
        collector.drawn()  # stopped before its first frame: the collector runs again


def help_screen(app: DeskApp) -> HelpScreen:
    """The current screen's help (the focused widget's, else the screen's ``HELP``) and every
    key it answers to with a description, each action once."""
    screen = app.screen
    node = app.focused or screen
    text = next((n.HELP for n in node.ancestors_with_self if getattr(n, "HELP", None)), "")
    keys: list[tuple[str, str]] = []
    actions: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.description and binding.action not in actions:
            actions.add(binding.action)
            keys.append((app.get_key_display(binding), binding.description))
    return HelpScreen(app.catalog.t("tui.keys.help"), text or "", keys)
