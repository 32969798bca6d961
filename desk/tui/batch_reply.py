"""``b`` on the queue: one library answer to every marked mention (or the highlighted one), as a
batch of replies waiting for one supervisor's approval (desk.crisis.batch).

The flow runs off the UI thread: read the library, pick an answer (PickerScreen), prepare the
batch under the app's write lock, then say what was prepared and what was left out, and unmark
the mentions that got a reply. The approval screen (V) shows the batch as one item.

``screen`` is the queue (a desk.tui.screens.base.MentionScreen: ``desk``, ``desk_app``, ``t``,
``run_service``); not imported, as nothing outside screens/ imports a screen.
"""

from __future__ import annotations

from typing import Any

from desk.answers.ranking import AnswerView
from desk.crisis.batch import Prepared, prepare
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.failures import explain
from desk.tui.messages import ActionFailed
from desk.tui.safe import safe_str
from desk.tui.widgets.queue_list import QueueList


def start(screen: Any, ids: list[int]) -> None:
    """Read the library in a worker, then ask which answer to send to ``ids``."""
    screen.run_worker(lambda: _library(screen, ids), thread=True, group="batch-reply")


def _library(screen: Any, ids: list[int]) -> None:
    try:
        answers = screen.desk.answers.list(include_expired=False)
    except Exception as exc:  # noqa: BLE001 - a failed read is said, the desk goes on
        screen.post_message(ActionFailed(*explain(exc, screen.desk_app.catalog)))
        return
    titles = answer_titles(answers, screen.desk_app.catalog.language)
    screen.app.call_from_thread(_pick, screen, ids, titles)


def answer_titles(answers: list[AnswerView], language: str) -> list[tuple[str, str]]:
    """Each answer's name and title, by name: the title of its version in the interface
    ``language`` when it has one (a French desk reads French titles), else its first."""
    titles: dict[str, str] = {}
    for answer in answers:
        if answer.language == language or answer.name not in titles:
            titles[answer.name] = answer.title
    return sorted(titles.items())


def _pick(screen: Any, ids: list[int], titles: list[tuple[str, str]]) -> None:
    if not titles:
        screen.notify(screen.t("tui.bulk.no_answers"), severity="warning", markup=False)
        return
    options = [(name, f"{name} — {title}") for name, title in titles]

    def chosen(name: str | None) -> None:
        if name:
            screen.run_worker(lambda: _prepare(screen, ids, name), thread=True, group="batch-reply")

    screen.app.push_screen(
        PickerScreen(screen.t("tui.bulk.pick_answer", n=len(ids)), options), chosen
    )


def _prepare(screen: Any, ids: list[int], name: str) -> None:
    done, prepared = screen.run_service(
        lambda: prepare(screen.desk.crisis, screen.desk.batches, ids, name)
    )
    if done and prepared is not None:
        screen.app.call_from_thread(_prepared, screen, prepared)


def _prepared(screen: Any, prepared: Prepared) -> None:
    catalog = screen.desk_app.catalog
    if prepared.batch_id is None:
        first = prepared.skipped[0] if prepared.skipped else None
        reason = catalog.t(f"errors.{first.reason}", **first.params) if first else "-"
        text = screen.t("tui.bulk.batch_nothing", reason=reason)
        screen.notify(safe_str(text, max_len=600), severity="warning", markup=False)
        return
    text = screen.t(
        "tui.bulk.batch_prepared",
        batch=prepared.batch_id,
        n=len(prepared.replies),
        skipped=len(prepared.skipped),
    )
    screen.notify(safe_str(text, max_len=600), markup=False)
    queue = screen.query_one(QueueList)
    queue.set_marks(queue.marked - {d.mention_id for d in prepared.replies})
    screen.desk_app.inbox_changed.publish(None)
