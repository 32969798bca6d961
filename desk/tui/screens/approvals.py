"""ApprovalsScreen: replies waiting for a supervisor (four eyes), oldest first.

The highlighted reply is shown in full with the mention it answers and why it needs approval.
``y`` approves and sends it, ``e`` edits then approves, ``n`` rejects with a note; every decision
runs off the UI thread through ``desk.approvals`` (which refuses agents and one's own replies).
A batch (one approved correction to many, desk.replies.batches) is one row, listed first: ``y``
approves all its replies at once (``desk.batches``), which then go out at the batch's pace.
Batches still posting, or paused, follow the waiting ones with their progress: ``p`` pauses one,
``r`` resumes it (the service says who may).
``e`` and ``n`` decide from their dialog, which stays open until the decision is taken; after a
decision the cursor is on the next reply.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from desk.replies.approval import PendingReply
from desk.replies.batches import BatchProgress
from desk.tui.dialogs.text_prompt import TextPrompt
from desk.tui.labels import age, reason_label, when
from desk.tui.messages import ApprovalsLoaded
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets import tables
from desk.tui.widgets.footer import DeskFooter
from desk.views import ReplyView
from desk.vocabulary import BatchStatus


class ApprovalsScreen(DeskScreen):
    """The approval queue."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("y", "approve", "tui.keys.approve"),
        Binding("e", "edit_approve", "tui.keys.edit_approve"),
        Binding("n", "reject", "tui.keys.reject"),
        # shown in the batch's own lines, where they apply (the footer keeps "? Aide" at 80×24)
        Binding("p", "pause", "tui.keys.batch_pause", show=False),
        Binding("r", "resume", "tui.keys.batch_resume", show=False),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="approvals-screen")
        self.pending: list[PendingReply | BatchProgress] = []

    def compose(self) -> ComposeResult:
        """Header, the queue, the highlighted reply in full."""
        yield Static(id="approvals-header", classes="header-line")
        yield DataTable(id="approvals-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="approvals-text", classes="section")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the queue; follow changes made elsewhere in the app."""
        self.desk_app.inbox_changed.subscribe(self, lambda _id: self.load())
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="approvals-load")
    def load(self) -> None:
        """Read the waiting replies."""
        done, pending = self.run_service(self.desk.approvals.pending)
        ready, batches = self.run_service(self.desk.batches.waiting)
        followed, running = self.run_service(self.desk.batches.running)
        if done and pending is not None:
            shown = [*(batches if ready and batches else [])]
            shown += running if followed and running else []
            self.post_message(ApprovalsLoaded(pending, shown))

    def on_approvals_loaded(self, message: ApprovalsLoaded) -> None:
        """Fill the table; the cursor stays on the reply it was on, or, when that one was
        decided, on the same row: the next reply (the last one, if it was the last)."""
        table = self.query_one(DataTable)
        current = self._current()
        row = table.cursor_row
        self.pending = [*message.batches, *message.pending]
        self._fill()
        ids = [_key(item) for item in self.pending]
        if current is not None and _key(current) in ids:
            row = ids.index(_key(current))
        row = min(max(row, 0), len(ids) - 1)
        if row > 0:
            table.move_cursor(row=row, animate=False)
        self._show(self._current())

    def _fill(self) -> None:
        titles = {
            key: Text(self.t(f"tui.approvals.col.{key}"))
            for key in ("waited", "author", "mention", "reasons", "text")
        }
        now = self.desk.clock()
        rows = []
        for item in self.pending:
            if isinstance(item, BatchProgress):
                rows.append((self._batch_cells(item, now), None))
                continue
            reply = item.reply
            cells = [
                safe_text(age(reply.submitted_at or reply.created_at, now)),
                safe_text(reply.author, one_line=True, max_len=24),
                safe_text(f"#{reply.mention_id}"),
                safe_text(
                    ", ".join(
                        reason_label(self.desk_app.catalog, r) for r in reply.approval_reasons
                    ),
                    one_line=True,
                    max_len=40,
                ),
                safe_text(reply.text, one_line=True, max_len=80),
            ]
            rows.append((cells, None))
        tables.fill(self.query_one(DataTable), titles, rows)
        waiting = [i for i in self.pending if not _running(i)]
        header = self.t("tui.approvals.header", count=len(waiting))
        self.query_one("#approvals-header", Static).update(Content(header))

    def _batch_cells(self, batch: BatchProgress, now: datetime) -> list[Text]:
        if _running(batch):
            state = "paused" if batch.status == BatchStatus.PAUSED else "posting"
            return [
                safe_text(age(batch.approved_at or batch.created_at, now)),
                safe_text(batch.created_by, one_line=True, max_len=24),
                safe_text(
                    self.t(
                        "tui.approvals.running_cell", id=batch.id, sent=batch.sent, n=batch.total
                    )
                ),
                safe_text(self.t(f"tui.approvals.{state}"), one_line=True, max_len=40),
                safe_text(batch.sample, one_line=True, max_len=80),
            ]
        return [
            safe_text(age(batch.created_at, now)),
            safe_text(batch.created_by, one_line=True, max_len=24),
            safe_text(self.t("tui.approvals.batch_cell", id=batch.id, n=batch.total)),
            safe_text(reason_label(self.desk_app.catalog, "batch"), one_line=True, max_len=40),
            safe_text(batch.sample, one_line=True, max_len=80),
        ]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted reply in full."""
        if 0 <= event.cursor_row < len(self.pending):
            self._show(self.pending[event.cursor_row])

    def _current(self) -> PendingReply | BatchProgress | None:
        row = self.query_one(DataTable).cursor_row
        return self.pending[row] if 0 <= row < len(self.pending) else None

    def _show(self, item: PendingReply | BatchProgress | None) -> None:
        box = self.query_one("#approvals-text", Static)
        if item is None:
            box.update(Content(self.t("tui.approvals.empty")))
            return
        label = "bold $text-secondary"
        if isinstance(item, BatchProgress) and _running(item):
            tz = self.desk.config.hours.calendar().tz
            key = "paused_title" if item.status == BatchStatus.PAUSED else "posting_title"
            title = self.t(
                f"tui.approvals.{key}",
                id=item.id,
                answer=item.answer,
                sent=item.sent,
                n=item.total,
                left=item.in_flight,
                next=when(item.next_at, tz),
            )
            self._show_batch(box, title, item)
            return
        if isinstance(item, BatchProgress):
            pace = ", ".join(f"{p} {s:.0f}\u00a0s" for p, s in item.pacing.items())
            title = self.t(
                "tui.approvals.batch_title",
                id=item.id,
                n=item.total,
                answer=item.answer,
                skipped=len(item.skipped),
                pace=pace or "-",
            )
            self._show_batch(box, title, item)
            return
        box.update(
            Content.assemble(
                (self.t("tui.approvals.mention") + " ", label),
                (safe_str(item.mention_author, one_line=True, max_len=60) + ": ", "bold"),
                safe(item.mention_text, max_len=1200),
                "\n\n",
                (self.t("tui.approvals.reply", author=item.reply.author) + "\n", label),
                safe(item.reply.text, max_len=4000),
            )
        )

    def _show_batch(self, box: Static, title: str, batch: BatchProgress) -> None:
        """A batch in full: its title line, who prepared it, the reply it sends."""
        label = "bold $text-secondary"
        box.update(
            Content.assemble(
                (safe_str(title, max_len=400) + "\n", label),
                (self.t("tui.approvals.reply", author=batch.created_by) + "\n", label),
                safe(batch.sample, max_len=4000),
            )
        )

    # -- decisions -----------------------------------------------------------------------
    # Each decision runs inside its dialog (TextPrompt's ``submit``), or in a worker for ``y``:
    # the dialog closes only once the service agreed, so a refusal (a missing note, a corrected
    # text too long, a locked database) is said in the dialog and what was typed stays there.
    @work(thread=True, group="approvals-decide")
    def approve(self, reply_id: int) -> None:
        """Approve as written, off the UI thread."""
        done, _ = self.run_service(lambda: self.desk.approvals.approve(reply_id))
        if done:
            self.app.call_from_thread(self._decided, reply_id, "approve")

    def _decided(self, reply_id: int, verdict: str) -> None:
        self.notify(self.t(f"tui.approvals.done_{verdict}", id=reply_id), markup=False)
        self.desk_app.inbox_changed.publish(None)

    @work(thread=True, group="approvals-decide")
    def approve_batch(self, batch_id: int) -> None:
        """Approve a whole batch, off the UI thread."""
        done, approved = self.run_service(lambda: self.desk.batches.approve(batch_id))
        if done and approved is not None:
            n = approved.progress.total - len(approved.refused)
            text = self.t("tui.approvals.done_batch", id=batch_id, n=n)
            self.app.call_from_thread(self._batch_decided, text)

    def _batch_decided(self, text: str) -> None:
        self.notify(text, markup=False)
        self.desk_app.inbox_changed.publish(None)

    @work(thread=True, group="approvals-decide")
    def steer_batch(self, batch_id: int, verb: str) -> None:
        """Pause or resume a batch, off the UI thread."""
        batches = self.desk.batches
        act = batches.pause if verb == "pause" else batches.resume
        done, progress = self.run_service(lambda: act(batch_id))
        if done and progress is not None:
            text = self.t(f"tui.approvals.done_{verb}", id=batch_id, left=progress.in_flight)
            self.app.call_from_thread(self._batch_decided, text)

    def action_pause(self) -> None:
        """Stop posting the highlighted batch; its queued replies wait until resumed."""
        item = self._current()
        if isinstance(item, BatchProgress) and item.status == BatchStatus.APPROVED:
            self.steer_batch(item.id, "pause")
        else:
            self.notify(self.t("tui.approvals.no_batch_running"), markup=False)

    def action_resume(self) -> None:
        """Post the rest of the highlighted paused batch, spaced from now."""
        item = self._current()
        if isinstance(item, BatchProgress) and item.status == BatchStatus.PAUSED:
            self.steer_batch(item.id, "resume")
        else:
            self.notify(self.t("tui.approvals.no_batch_paused"), markup=False)

    def _whole_batch(self, item: PendingReply | BatchProgress | None) -> bool:
        """A batch is approved as prepared: ``e`` and ``n`` say so instead of acting."""
        if isinstance(item, BatchProgress) and _running(item):
            self.notify(self.t("tui.approvals.batch_approved", id=item.id), markup=False)
            return True
        if isinstance(item, BatchProgress):
            self.notify(
                self.t("tui.approvals.batch_whole", id=item.id), severity="warning", markup=False
            )
            return True
        return False

    def action_approve(self) -> None:
        """Approve the highlighted reply as written and send it (or the whole batch)."""
        item = self._current()
        if isinstance(item, BatchProgress) and _running(item):
            self._whole_batch(item)
        elif isinstance(item, BatchProgress):
            self.approve_batch(item.id)
        elif item is not None:
            self.approve(item.reply.id)

    def action_edit_approve(self) -> None:
        """Correct the text, then approve and send (the author's signature is kept)."""
        reply = self._pending_reply()
        if reply is None:
            return
        reply_id, approvals = reply.id, self.desk.approvals
        prompt = TextPrompt(
            self.t("tui.approvals.edit_title", id=reply_id),
            reply.body,
            missing=self.t("tui.approvals.text_missing"),
            submit=lambda text: approvals.approve(reply_id, text=text),
        )
        self._decide_in(prompt, reply_id, "approve")

    def action_reject(self) -> None:
        """Refuse the reply with a note for its author (the dialog insists on the note)."""
        reply = self._pending_reply()
        if reply is None:
            return
        reply_id, approvals = reply.id, self.desk.approvals
        prompt = TextPrompt(
            self.t("tui.approvals.note_title", id=reply_id),
            missing=self.t("tui.approvals.note_missing"),
            submit=lambda note: approvals.reject(reply_id, note),
        )
        self._decide_in(prompt, reply_id, "reject")

    def _pending_reply(self) -> ReplyView | None:
        """The reply under the cursor; None when there is none, or a batch is (the key then
        acts on the whole batch, ``_whole_batch``)."""
        item = self._current()
        if item is None or self._whole_batch(item):
            return None
        assert isinstance(item, PendingReply)
        return item.reply

    def _decide_in(self, prompt: TextPrompt, reply_id: int, decision: str) -> None:
        """Show ``prompt`` (it submits the decision itself); once it is done, say so."""

        def done(text: str | None) -> None:
            if text is not None:
                self._decided(reply_id, decision)

        self.app.push_screen(prompt, done)

    def action_reload(self) -> None:
        """Read the queue again."""
        self.load()

    def action_back(self) -> None:
        """Back."""
        self.dismiss()


def _running(item: PendingReply | BatchProgress) -> bool:
    """A batch already approved (posting, or paused), not one waiting for approval."""
    return isinstance(item, BatchProgress) and item.status != BatchStatus.PREPARED


def _key(item: PendingReply | BatchProgress) -> tuple[str, int]:
    """What a row stands for, to keep the cursor on it when the queue is read again."""
    if isinstance(item, BatchProgress):
        return ("batch", item.id)
    return ("reply", item.reply.id)
