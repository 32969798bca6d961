"""The sections of the detail screen, built as literal Content from a ``MentionDetail``.

Pure functions (no widgets, no services), so they are easy to test. Every field that came from
a platform or from the audit log is passed through ``safe``; only catalog labels are trusted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from textual.content import Content

from desk.i18n import Catalog
from desk.triage.explain import explain_lines
from desk.tui.labels import (
    age,
    category_label,
    kind_label,
    priority_label,
    reason_label,
    status_label,
    when,
)
from desk.tui.safe import safe, safe_str
from desk.views import AuditView, MentionDetail, ReplyView
from desk.vocabulary import ReplyStatus

LABEL_STYLE = "bold $text-secondary"


def _field(label: str, value: Content) -> Content:
    return Content.assemble((f"{label:<14}", LABEL_STYLE), value)


def meta(detail: MentionDetail, catalog: Catalog, now: datetime) -> Content:
    """Who, where, when (and how long ago at ``now``), and the triage state of the mention."""
    t = catalog.t
    author = safe(detail.author_name, one_line=True, max_len=120)
    handle = safe(detail.author_handle, one_line=True, max_len=120)
    who = Content.assemble(author, " (", handle, ")") if detail.author_name else handle
    rows = [
        _field(t("tui.detail.author"), who),
        _field(
            t("tui.detail.platform"),
            safe(f"{detail.platform} · {detail.channel}", one_line=True, max_len=120),
        ),
        _field(t("tui.detail.link"), safe(detail.url or "—", one_line=True, max_len=300)),
        _field(
            t("tui.detail.created"),
            Content(f"{when(detail.created_at)}  ({age(detail.created_at, now)})"),
        ),
        _field(t("tui.detail.received"), Content(when(detail.received_at))),
        _field(t("tui.detail.language"), safe(detail.language or "—", one_line=True, max_len=20)),
        _field(
            t("tui.detail.kind"), safe(kind_label(catalog, detail.kind), one_line=True, max_len=40)
        ),
        _field(
            t("tui.detail.state"),
            Content(
                f"{category_label(catalog, detail.category)} · {priority_label(catalog, detail.priority)} · "
                f"{status_label(catalog, detail.status)}"
            ),
        ),
        _field(
            t("tui.detail.assignee"),
            safe(detail.assignee or t("tui.detail.nobody"), one_line=True, max_len=60),
        ),
    ]
    return Content("\n").join(rows)


def body(detail: MentionDetail) -> Content:
    """The title (news items) in bold, then the rest of the text (which starts with the title
    when the feed importer put it there, as it does for news)."""
    raw = detail.text or ""
    if not detail.title:
        return safe(raw)
    if raw.startswith(detail.title):
        raw = raw[len(detail.title) :].lstrip("\n")
    title = (safe_str(detail.title, one_line=True, max_len=500), "bold")
    return Content.assemble(title, "\n\n", safe(raw)) if raw else Content.assemble(title)


def why(detail: MentionDetail, catalog: Catalog) -> Content:
    """Why triage put the mention here, in the reader's language: rules, words, routing."""
    lines = explain_lines(detail.triage, catalog) if detail.triage else []
    if not lines:
        return safe(detail.triage_reason or catalog.t("tui.detail.no_reason"))
    parts: list[Content | tuple[str, str] | str] = []
    for index, line in enumerate(lines):
        if index:
            parts.append("\n")
        parts.append(("• ", LABEL_STYLE))
        parts.append(safe(line, one_line=True, max_len=600))  # a rule name cannot forge a line
    extra = []
    if detail.tags:
        extra.append(catalog.t("tui.detail.tags", tags=", ".join(detail.tags)))
    if detail.needs_approval:
        extra.append(catalog.t("tui.detail.needs_approval"))
    if detail.suggested_answer:
        extra.append(catalog.t("tui.detail.suggested", name=detail.suggested_answer))
    for line in extra:
        parts += ["\n", (safe_str(line, one_line=True, max_len=300), "bold")]
    return Content.assemble(*parts)


def thread(detail: MentionDetail, catalog: Catalog) -> Content:
    """The other messages of the conversation, this one marked."""
    if not detail.thread:
        return Content(catalog.t("tui.detail.no_thread"))
    lines = []
    for row in detail.thread:
        here = row.id == detail.id
        marker = "▶ " if here else "  "
        line = Content.assemble(
            (marker, "bold $accent"),
            (f"#{row.id} ", "$text-muted"),
            (when(row.created_at) + "  ", "$text-muted"),
            (safe_str(row.author, one_line=True, max_len=40), "bold" if here else ""),
            ": ",
            safe(row.text, one_line=True, max_len=160),
        )
        lines.append(line)
    return Content("\n").join(lines)


def reply_block(reply: ReplyView, catalog: Catalog, *, mine: bool = False) -> Content:
    """One reply: when, who, status, then the text as posted (signature included). ``mine``:
    the reader wrote it, so a reply still waiting for approval says how to withdraw it."""
    head = Content.assemble(
        (when(reply.sent_at or reply.created_at), "$text-muted"),
        "  ",
        (safe_str(reply.author, one_line=True, max_len=40), "bold"),
        "  ",
        (
            f"[{status_label(catalog, reply.status)}]",
            "$success"
            if reply.status in (ReplyStatus.SENT, ReplyStatus.SENT_OFFLINE)
            else "$warning",
        ),
        f"  #{reply.mention_id}",
    )
    parts = [head, safe(reply.text, max_len=4000)]
    if reply.reviewer:
        review = catalog.t("tui.detail.reviewed", who=reply.reviewer)
        parts.append(
            Content.assemble(
                (review, "$text-muted"),
                (" — " if reply.review_note else "", "$text-muted"),
                safe(reply.review_note or "", max_len=500),
            )
        )
    elif reply.status == ReplyStatus.PENDING_APPROVAL:
        reasons = ", ".join(reason_label(catalog, r) for r in reply.approval_reasons)
        parts.append(
            Content(catalog.t("tui.detail.waiting", reasons=safe_str(reasons, one_line=True)))
        )
        if mine:
            parts.append(Content.styled(catalog.t("tui.detail.withdraw_hint"), "$text-muted"))
    if reply.error:
        parts.append(
            Content.assemble(
                (catalog.t("tui.detail.error") + " ", "$error"), safe(reply.error, max_len=500)
            )
        )
    return Content("\n").join(parts)


def replies(detail: MentionDetail, catalog: Catalog, me: str | None = None) -> Content:
    """Replies already written to this mention (``me``: the reader, whose own waiting reply
    says how to withdraw it)."""
    if not detail.replies:
        return Content(catalog.t("tui.detail.no_replies"))
    return Content("\n\n").join(
        [reply_block(r, catalog, mine=r.author == me) for r in detail.replies]
    )


def short_data(data: dict[str, Any], max_len: int = 120) -> str:
    """An audit event's data as one short, clean line (``key=value ...``)."""
    parts = []
    for key, value in data.items():
        text = (
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        )
        parts.append(f"{key}={text}")
    return safe_str(" ".join(parts), one_line=True, max_len=max_len)


def event_line(event: AuditView) -> Content:
    """One audit event on one line: when, who, what, details."""
    return Content.assemble(
        (f"{event.seq:>6} ", "$text-muted"),
        (when(event.at) + "  ", "$text-muted"),
        (safe_str(event.actor, one_line=True, max_len=20), "bold"),
        "  ",
        (safe_str(event.action, one_line=True, max_len=40), "$accent"),
        "  ",
        short_data(event.data, 110),
    )


def history(detail: MentionDetail, catalog: Catalog) -> Content:
    """The mention's audit trail, oldest first."""
    if not detail.history:
        return Content(catalog.t("tui.detail.no_history"))
    return Content("\n").join([event_line(e) for e in detail.history])
