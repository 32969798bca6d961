"""DetailScreen: one mention in full — text, why, thread, replies, history — and the composer.

The detail is read in a worker (``desk.queries.detail``) and re-read whenever the inbox changes.
ctrl+s in the composer sends through ``desk.replies.send`` (desk.replies.service) in a worker,
with the composer's idempotency key; a refusal is shown and the text stays where it was —
including "no one else can approve this reply" (the core's ``no_approver``), said at send time.

``w`` withdraws the person's own reply while it waits for approval (after a yes; audited by
``desk.replies``): nothing goes out, and when the composer is empty the reply's text comes back
into it, to be corrected and sent again. The key shows in the footer only when there is such a
reply on the mention.

One DetailScreen serves every mention opened (desk.tui.navigation keeps it installed):
mounting its widgets and styling them cost more than a frame on each open. ``reopen`` points it
at another mention — state, composer and sections emptied — reads that mention and shows itself
when it has arrived; leaving it (popped, not covered by a dialog) gives the claim back.
"""

from __future__ import annotations

from functools import partial
from time import monotonic

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from desk.errors import DeskError
from desk.i18n import Catalog
from desk.platforms.registry import platform
from desk.replies.claims import ReplyStart, ThreadChanged, describe
from desk.replies.compose import NO_FRAME
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.failures import explain
from desk.tui.labels import status_label
from desk.tui.live import seconds_left
from desk.tui.messages import (
    ActionFailed,
    AnswersSuggested,
    DetailLoaded,
    ReplyClaimed,
    ReplySent,
    ReplyWithdrawn,
    ThreadMoved,
)
from desk.tui.safe import safe_str
from desk.tui.screens.base import MentionScreen
from desk.tui.widgets import mention_view
from desk.tui.widgets.composer import Composer
from desk.tui.widgets.crisis_banner import CrisisBanner
from desk.tui.widgets.footer import DeskFooter
from desk.views import MentionDetail, ReplyView
from desk.vocabulary import ReplyStatus

_SECTIONS = ("meta", "body", "why", "thread", "replies", "history")
NOT_YET = 0  # no mention yet (mention numbers start at 1)


class DetailScreen(MentionScreen):
    """Everything about one mention, with the reply composer at the bottom."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
        Binding("ctrl+t", "take_over", "tui.keys.take_over", show=False),
        Binding("ctrl+o", "insert_answer", "tui.keys.insert_answer"),
        Binding("w", "withdraw", "tui.keys.withdraw"),
    ]
    RENEW_SECONDS = 60.0  # a claim lasts minutes; typing renews it at most once a minute

    def __init__(self, mention_id: int = NOT_YET, *, compose: bool = False) -> None:
        """``NOT_YET``: mounted ahead of the first mention (see ``reopen``)."""
        super().__init__()  # no id: a second one may be on the stack (a mention from the replies)
        self._reset(mention_id, compose)
        self._reopened = False  # reopen() was called: show the new mention when resumed
        self._push_pending = False  # reopen() waits for the mention before showing the screen
        self._read_early = False  # reopen() has asked for the mention already
        self._css_seen = -1  # the app's stylesheet version when this screen was last shown

    def _reset(self, mention_id: int, compose: bool) -> None:
        """This screen's state for one mention, nothing read yet."""
        self._mention_id = mention_id
        self._focus_composer = compose
        self.detail: MentionDetail | None = None
        self._start: ReplyStart | None = None  # the composer's claim and thread version
        self._answer_id: int | None = None  # the library answer put in the composer, if any
        # The person was told another reply is out (a refusal, or the thread moved): the next
        # ctrl+s is a deliberate second answer (audited as such by desk.replies.service).
        self._again = False
        self._renewed_at = 0.0
        self._frame = NO_FRAME  # the reply's length frame, read with the detail

    PUSH_WAIT = 0.05  # seconds: shown with the mention read, or "loading" if the read is slower

    def reopen(self, mention_id: int, *, compose: bool = False) -> bool:
        """Point this (mounted, not shown) screen at another mention: nothing of the previous
        mention stays — text, claim, sections, composer. The mention is read at once and the
        screen shows itself when it arrives (one layout and one drawing instead of a "loading"
        screen drawn first), or after PUSH_WAIT. False: not mounted yet, the caller pushes it."""
        self._reset(mention_id, compose)
        self._reopened = True
        if not self.is_mounted:
            return False  # still being mounted: it starts empty
        self._push_pending = self._read_early = True
        self.load()  # first: the read runs in its thread while the screen is emptied here
        # the draft goes in now: the composer's change messages, handled before the screen is
        # shown, would otherwise record an empty draft for this mention
        self.query_one(Composer).reset(self.desk_app.drafts.get(mention_id, ""))
        for name in _SECTIONS:
            section = self.query_one(f"#section-{name}", Static)
            section.border_title = None
            section.update(Content(""))
        self.query_one("#detail-body", VerticalScroll).scroll_home(animate=False)
        self._fill(self.desk_app.catalog)  # "loading #N" in the header
        self.refresh_bindings()
        self.set_timer(self.PUSH_WAIT, self._push)
        return True

    def _push(self) -> None:
        """Show this screen (once per reopen), unless it is already shown."""
        if self._push_pending:
            self._push_pending = False
            if self not in self.app.screen_stack:
                self.app.push_screen(self)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown again after ``reopen``: the new mention's draft, focus and detail.

        Textual restyles every widget of a screen it pushes (a fifth of an open). This kept
        screen is restyled with the whole app when the stylesheet or the theme changes
        (App.refresh_css walks every screen mounted), so only a change since it was last
        shown calls for it (Textual's own count of stylesheet changes, as its screen modes
        use it)."""
        css_version = self.app._css_update_count
        if css_version == self._css_seen:
            event.refresh_styles = False
        self._css_seen = css_version
        if self._reopened:
            self._reopened = False
            self._show(read=not self._read_early)
            self._read_early = False

    def on_screen_suspend(self) -> None:
        """Left for good (popped, not covered by a dialog): give the claim back now — the
        screen itself stays mounted for the next mention."""
        if self not in self.app.screen_stack:
            self._release_claim()

    def compose(self) -> ComposeResult:
        """Header, scrolling sections, composer, footer."""
        yield Static(id="detail-header", classes="header-line")
        yield CrisisBanner(surges=False, id="crisis-banner")  # a reply waits for approval then
        with VerticalScroll(id="detail-body"):
            for name in _SECTIONS:
                yield Static(id=f"section-{name}", classes="section")
        yield Composer(self.desk_app.catalog, id="composer")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the mention; restore a draft left on this mention earlier."""
        self.desk_app.inbox_changed.subscribe(self, self._inbox_changed)
        if self._mention_id != NOT_YET and not self._reopened:
            self._show()

    def _show(self, *, read: bool = True) -> None:
        """The mention's draft back in the composer, the focus, and the detail read (unless
        ``reopen`` already asked for it)."""
        composer = self.query_one(Composer)
        draft = self.desk_app.drafts.get(self._mention_id)
        if draft and composer.body != draft:
            composer.text_area.text = draft
        if self._focus_composer:
            composer.text_area.focus()
        else:
            self.query_one("#detail-body").focus()
        if read:
            self.load()

    SHORT = 32  # lines: below, the message comes first and the composer is smaller until used

    def on_resize(self, event: events.Resize) -> None:
        """On a short terminal (80×24) the message is read first, above the card, and the
        unfocused composer takes three lines: several lines of the message show at once."""
        short = event.size.height < self.SHORT
        self.set_class(short, "-short")
        body = self.query_one("#detail-body", VerticalScroll)
        message, card = self.query_one("#section-body"), self.query_one("#section-meta")
        if short and body.children.index(message) > body.children.index(card):
            body.move_child(message, before=card)
        elif not short and body.children.index(message) < body.children.index(card):
            body.move_child(message, after=card)

    def _inbox_changed(self, _mention_id: int | None) -> None:
        if self in self.app.screen_stack and self._mention_id != NOT_YET:  # not kept aside
            self.load()

    @work(thread=True, exclusive=True, group="detail-load")
    def load(self) -> None:
        """Read the mention with its thread, replies and history."""
        try:
            detail = self.desk.queries.detail(self._mention_id)
            # how the platform will count the reply (instance limit, Mastodon's @acct first)
            self._frame = self.desk.replies.frame_for(self._mention_id)
        except DeskError as exc:
            self.post_message(ActionFailed(*exc.localized(self.desk_app.catalog.t)))
            return
        self.post_message(DetailLoaded(detail))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        """Fill the sections."""
        if message.detail.id != self._mention_id:
            return  # read for the mention this screen showed before
        self.detail = message.detail
        composer = self.query_one(Composer)
        if not platform(message.detail.platform).takes_replies and composer.enabled:
            composer.disable()
            self.refresh_bindings()
        self._fill(self.desk_app.catalog)
        self._measure(composer.body)
        self._displaced(message.detail)
        self.refresh_bindings()  # w shows only with a reply of mine waiting for approval
        self._push()  # reopened: shown now that the mention is here

    def _displaced(self, detail: MentionDetail) -> None:
        """A colleague took the reply over while this composer held it: say so at once (the
        text stays; ctrl+t takes it back), not only when ctrl+s is refused."""
        start = self._start
        holder = detail.replying_by
        if start is None or not start.mine or holder in (None, self.desk.me.name):
            return
        until = detail.replying_until
        if until is not None and until <= self.desk.clock():
            return  # an expired claim displaces nobody
        self._start = ReplyStart(start.mention_id, start.version, holder, detail.replying_until)
        self.notify(
            self.t("tui.msg.displaced", name=holder),
            severity="warning",
            timeout=15,
            markup=False,
        )

    def _fill(self, catalog: Catalog) -> None:
        detail = self.detail
        if detail is None:
            self.query_one("#detail-header", Static).update(
                Content(self.t("tui.detail.loading", id=self._mention_id))
            )
            return
        t = catalog.t
        header = Content.assemble(
            (f"#{detail.id}", "bold"),
            "  ·  ",
            (safe_str(detail.author_handle, one_line=True, max_len=80), "bold"),
            "  ·  ",
            safe_str(detail.platform, one_line=True, max_len=20),
            "  ·  ",
            status_label(catalog, detail.status),
        )
        holder, until = detail.replying_by, detail.replying_until
        if holder and holder != self.desk.me.name and until and until > self.desk.clock():
            local = self.desk.config.hours.calendar().local(until)
            replying = t("tui.detail.replying", name=holder, until=f"{local:%H:%M}")
            header = Content.assemble(
                header, "  ·  ", (safe_str(replying, one_line=True), "bold $warning")
            )
        self.query_one("#detail-header", Static).update(header)
        tz = self.desk.config.hours.calendar().tz  # every time shown: the desk's zone
        blocks = {
            "meta": mention_view.meta(detail, catalog, self.desk.clock(), tz),
            "body": mention_view.body(detail, catalog),
            "why": mention_view.why(detail, catalog),
            "thread": mention_view.thread(detail, catalog, tz),
            "replies": mention_view.replies(detail, catalog, tz, self.desk.me.name),
            "history": mention_view.history(detail, catalog, tz, self.desk.config.display_names()),
        }
        for name, content in blocks.items():
            section = self.query_one(f"#section-{name}", Static)
            section.border_title = Content(t(f"tui.section.{name}"))
            section.update(content)

    def relabel(self, catalog: Catalog) -> None:
        """Everything in the new language."""
        if self.is_mounted:
            self.query_one(Composer).set_catalog(catalog)
            self._fill(catalog)

    # -- composer ------------------------------------------------------------------------
    @on(Composer.DraftChanged)
    def _draft_changed(self, message: Composer.DraftChanged) -> None:
        # Keep the draft on the app, so leaving and coming back to the mention loses nothing.
        if message.body.strip():
            self.desk_app.drafts[self._mention_id] = message.body
        else:
            self.desk_app.drafts.pop(self._mention_id, None)
        self._measure(message.body)
        self.refresh_bindings()  # an emptied or begun draft changes which keys type (footer)
        start = self._start
        if start is not None and start.mine and monotonic() - self._renewed_at > self.RENEW_SECONDS:
            self._renewed_at = monotonic()
            self.renew_claim()

    # -- collision guard (desk.replies.claims) -----------------------------------------------------
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Going into the composer claims the mention (or says who already replies)."""
        composer = self.query_one(Composer)
        if event.widget is composer.text_area and composer.enabled and self._start is None:
            self.claim()

    @work(thread=True, exclusive=True, group="reply-claim")
    def claim(self, take_over: bool = False) -> None:
        """Start (or take over) the claim off the UI thread."""
        claims = self.desk.claims
        call = claims.take_over if take_over else claims.start
        done, start = self.run_service(lambda: call(self._mention_id))
        if done and start is not None:
            self.post_message(ReplyClaimed(start, take_over))

    @work(thread=True, exclusive=True, group="reply-claim")
    def renew_claim(self) -> None:
        """Keep the claim while typing; a colleague's take-over is reported."""
        done, _ = self.run_service(lambda: self.desk.claims.renew(self._mention_id))
        if not done:
            self.app.call_from_thread(setattr, self, "_start", None)

    def on_reply_claimed(self, message: ReplyClaimed) -> None:
        """Remember the claim; tell the person when a colleague already replies."""
        self._start = message.start
        self._renewed_at = monotonic()
        start = message.start
        if not start.mine and start.until is not None:
            local = self.desk.config.hours.calendar().local(start.until)
            self.notify(
                self.t("tui.msg.someone_replying", name=start.holder, until=f"{local:%H:%M}"),
                severity="warning",
                timeout=10,
                markup=False,
            )
        elif message.taken_over:
            self.notify(self.t("tui.msg.took_over"), markup=False)
        self.load()

    def action_take_over(self) -> None:
        """Take the reply over from a colleague (audited)."""
        self.claim(take_over=True)

    # -- answer library (desk.answers) ------------------------------------------------------
    def action_insert_answer(self) -> None:
        """Pick one of the answers suggested for this mention and put it in the composer."""
        if self.query_one(Composer).enabled:
            self.suggest_answers()

    @work(thread=True, exclusive=True, group="answers")
    def suggest_answers(self) -> None:
        """Read the suggestions off the UI thread."""
        done, found = self.run_service(lambda: self.desk.answers.suggest(self._mention_id))
        if done and found is not None:
            self.post_message(AnswersSuggested(found))

    def on_answers_suggested(self, message: AnswersSuggested) -> None:
        """Offer them; the chosen one replaces the composer's text."""
        if not message.suggestions:
            self.notify(self.t("tui.msg.no_answer"), severity="warning", markup=False)
            return
        by_id = {str(s.answer.id): s for s in message.suggestions}
        options = []
        for s in message.suggestions:
            flags = [self.t("tui.answers.pre_approved")] if s.answer.pre_approved else []
            if s.answer.source_changed:
                flags.append(self.t("tui.answers.source_changed"))
            label = f"{s.answer.title} (v{s.answer.version})" + (
                f" — {', '.join(flags)}" if flags else ""
            )
            options.append((str(s.answer.id), label))

        def chosen(value: str | None) -> None:
            if value is None:
                return
            suggestion = by_id[value]
            if self.query_one(Composer).body.strip():  # never replace typed text unasked
                self._ask_how_to_insert(
                    suggestion.text, suggestion.answer.id, suggestion.answer.title
                )
            else:
                self._put_answer(suggestion.text, suggestion.answer.id, replace=True)

        self.app.push_screen(PickerScreen(self.t("tui.answers.pick"), options), chosen)

    def _ask_how_to_insert(self, text: str, answer_id: int, title: str) -> None:
        """The composer holds text: insert at the cursor, replace (undoable), or keep mine."""
        options = [
            ("cursor", self.t("tui.insert.at_cursor")),
            ("replace", self.t("tui.insert.replace")),
            ("cancel", self.t("tui.insert.cancel")),
        ]

        def chosen(value: str | None) -> None:
            if value in ("cursor", "replace"):
                self._put_answer(text, answer_id, replace=value == "replace")

        ask = self.t("tui.insert.ask", title=safe_str(title, one_line=True, max_len=80))
        self.app.push_screen(PickerScreen(ask, options, current="cursor"), chosen)

    def _put_answer(self, text: str, answer_id: int, *, replace: bool) -> None:
        """Put a library answer in the composer as an edit (ctrl+z takes it back)."""
        area = self.query_one(Composer).text_area
        if replace:
            area.replace(text, (0, 0), area.document.end, maintain_selection_offset=False)
        else:
            area.insert(text, maintain_selection_offset=False)
        area.focus()
        self._answer_id = answer_id

    # -- withdrawing one's reply waiting for approval ----------------------------------------
    def _my_waiting_reply(self) -> ReplyView | None:
        """My reply to this mention that waits for a supervisor, if any (the newest)."""
        if self.detail is None:
            return None
        mine = [
            r
            for r in self.detail.replies
            if r.author == self.desk.me.name and r.status == ReplyStatus.PENDING_APPROVAL
        ]
        return mine[-1] if mine else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``w`` is offered only when I have a reply waiting for approval here."""
        if action == "withdraw":
            return self._my_waiting_reply() is not None
        return True

    def action_withdraw(self) -> None:
        """Ask, then take back my reply waiting for approval."""
        reply = self._my_waiting_reply()
        if reply is None:
            self.notify(self.t("tui.withdraw.none"), severity="warning", markup=False)
            return
        reply_id = reply.id
        options = [
            ("yes", self.t("tui.withdraw.yes", id=reply_id)),
            ("no", self.t("tui.withdraw.no")),
        ]

        def chosen(value: str | None) -> None:
            if value == "yes":
                self.withdraw(reply_id)

        self.app.push_screen(
            PickerScreen(self.t("tui.withdraw.confirm", id=reply_id), options, current="no"),
            chosen,
        )

    @work(thread=True, group="mention-action")
    def withdraw(self, reply_id: int) -> None:
        """Withdraw the reply off the UI thread (``desk.replies`` refuses anyone but its author
        and a reply no longer waiting)."""
        done, reply = self.run_service(lambda: self.desk.replies.withdraw(reply_id))
        if done and reply is not None:
            self.post_message(ReplyWithdrawn(reply))

    def on_reply_withdrawn(self, message: ReplyWithdrawn) -> None:
        """Say it; give the text back to an empty composer; refresh every screen."""
        reply = message.reply
        composer = self.query_one(Composer)
        back = composer.enabled and not composer.body.strip()
        if back:
            composer.text_area.text = reply.body
        key = "tui.withdraw.done_back" if back else "tui.withdraw.done"
        self.notify(self.t(key, id=reply.id), markup=False)
        self.desk_app.inbox_changed.publish(self._mention_id)

    def on_thread_moved(self, message: ThreadMoved) -> None:
        """Say what changed, show it, and take the new state as seen: ctrl+s again sends."""
        self.notify(
            self.t("tui.msg.thread_changed", what=" · ".join(message.lines)),
            severity="warning",
            timeout=15,
            markup=False,
        )
        self._start = None
        self._again = True
        self.claim()

    def on_unmount(self) -> None:
        """Leaving the mention gives the claim back (in the app's worker: this screen goes)."""
        self._release_claim()

    def _release_claim(self) -> None:
        if self._start is not None and self._start.mine:
            release = partial(self.desk.claims.release, self._mention_id)
            self.app.run_worker(release, thread=True, group="claims", exit_on_error=False)
        self._start = None

    def _measure(self, body: str) -> None:
        if self.detail is not None:
            # Pure computation (compose + measure), no I/O: fine on the UI thread, on each key.
            self.query_one(Composer).show_preview(
                self.desk.replies.preview(self.detail.platform, body, self._frame)
            )

    @on(Composer.ReplySubmitted)
    def _submitted(self, message: Composer.ReplySubmitted) -> None:
        self.send(message.body, message.idempotency_key)

    @work(thread=True, exclusive=True, group="reply-send")
    def send(self, body: str, key: str) -> None:
        """Sign, check and send the reply once (the key makes a repeat a no-op)."""
        version = self._start.version if self._start is not None else None
        catalog = self.desk_app.catalog
        try:
            with self.desk_app.write_lock:
                reply = self.desk.replies.send(
                    self._mention_id,
                    body,
                    idempotency_key=key,
                    version=version,
                    answer_id=self._answer_id,
                    again=self._again,
                )
        except ThreadChanged as exc:
            self.post_message(ActionFailed(*explain(exc, catalog)))
            self.post_message(ThreadMoved(describe(exc.changes, catalog.t)))
            return
        except Exception as exc:  # noqa: BLE001 - keep the app (and the typed text) alive
            message, hint = explain(exc, catalog)
            if isinstance(exc, DeskError) and exc.key == "already_answered":
                self._again = True  # said, with "ctrl+s again sends a second answer anyway"
                params = exc.params
                if (
                    params.get("author") == self.desk.me.name
                    and params.get("status") == ReplyStatus.PENDING_APPROVAL
                ):  # my own reply waits: replacing it means withdrawing it (w)
                    hint = catalog.t("tui.again.how_own")
            self.post_message(ActionFailed(message, hint))
            return
        self._again = False
        self.post_message(ReplySent(reply, key))

    def on_reply_sent(self, message: ReplySent) -> None:
        """Clear the composer (unless delivery failed) and refresh every screen."""
        composer = self.query_one(Composer)
        status = status_label(self.desk_app.catalog, message.reply.status)
        if message.reply.status in (ReplyStatus.FAILED, ReplyStatus.UNKNOWN):
            composer.failed(new_key=True)
            self.desk_app.show_error(
                self.t("tui.msg.reply_failed", status=status), message.reply.error
            )
        elif message.reply.status == ReplyStatus.QUEUED:  # a live channel: the undo window runs
            composer.sent()
            self._answer_id = None
            self.desk_app.drafts.pop(self._mention_id, None)
            self.desk_app.live.remember_queued(
                message.reply.id, self._mention_id, message.reply.body
            )
            self.notify(
                self.t(
                    "tui.live.queued",
                    id=self._mention_id,
                    seconds=seconds_left(message.reply.send_after, self.desk.clock()),
                ),
                markup=False,
            )
        else:
            composer.sent()
            self._answer_id = None
            self.desk_app.drafts.pop(self._mention_id, None)
            self.notify(
                self.t("tui.msg.reply_sent", id=self._mention_id, status=status), markup=False
            )
        self.desk_app.inbox_changed.publish(self._mention_id)

    def on_action_failed(self, message: ActionFailed) -> None:
        """A refusal: let the composer try again with its text intact.

        (Textual also runs DeskScreen.on_action_failed, which shows the message.)
        """
        self.query_one(Composer).failed()

    # -- actions -------------------------------------------------------------------------
    def mention_id(self) -> int | None:
        """This screen's mention."""
        return None if self._mention_id == NOT_YET else self._mention_id

    def action_reply(self) -> None:
        """Focus the composer."""
        composer = self.query_one(Composer)
        if composer.enabled:
            composer.text_area.focus()
        else:
            self.notify(self.t("tui.composer.no_channel"), severity="warning", markup=False)

    def action_back(self) -> None:
        """Back to the queue; with a reply typed and not sent, ask first (the draft is kept
        on the app either way: coming back to the mention finds it)."""
        composer = self.query_one(Composer)
        if not composer.enabled or composer.sending or not composer.body.strip():
            self.dismiss()
            return
        kept = self._mention_id in self.desk_app.drafts
        options = [
            ("leave", self.t("tui.leave.yes" if kept else "tui.leave.yes_lost")),
            ("stay", self.t("tui.leave.no")),
        ]

        def chosen(value: str | None) -> None:
            if value == "leave":
                self.dismiss()
            else:
                composer.text_area.focus()

        ask = self.t("tui.leave.ask" if kept else "tui.leave.ask_no_drafts")
        self.app.push_screen(PickerScreen(ask, options, current="stay"), chosen)

    def types_letters(self) -> bool:
        """The composer holds unsent text without focus: letters go into it (``on_key``)."""
        composer = self.query_one(Composer)
        return composer.enabled and not composer.text_area.has_focus and bool(composer.body.strip())

    def on_key(self, event: events.Key) -> None:
        """Typing while the composer holds unsent text but has no focus goes into the text:
        a letter never takes, closes or marks the mention by surprise (``m``, ``x``, ``s``...)."""
        composer = self.query_one(Composer)
        area = composer.text_area
        if (
            not event.is_printable
            or not event.character
            or not composer.enabled
            or area.has_focus
            or not composer.body.strip()
        ):
            return
        event.stop()
        event.prevent_default()
        area.focus()
        area.insert(event.character)
