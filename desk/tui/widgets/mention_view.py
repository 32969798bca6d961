"""The sections of the detail screen, built as literal Content from a ``MentionDetail``.

Pure functions (no widgets, no services), so they are easy to test. Every field that came from
a platform or from the audit log is passed through ``safe``; only catalog labels are trusted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from textual.content import Content

from desk.audit.timeline import Subject, build, event_steps, sentence
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
    zone_name,
)
from desk.tui.safe import safe, safe_str
from desk.views import AuditView, MentionDetail, ReplyView
from desk.vocabulary import ReplyStatus

LABEL_STYLE = "bold $text-secondary"


def _field(label: str, value: Content) -> Content:
    return Content.assemble((f"{label:<14}", LABEL_STYLE), value)


def meta(detail: MentionDetail, catalog: Catalog, now: datetime, tz: tzinfo) -> Content:
    """Who, where, when in the desk's zone ``tz`` (named once, and how long ago at ``now``),
    and the triage state of the mention."""
    t = catalog.t
    created = t(
        "tui.card.created",
        when=when(detail.created_at, tz),
        zone=zone_name(tz, detail.created_at),
        age=age(detail.created_at, now, catalog),
    )
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
            Content(created),
        ),
        _field(t("tui.detail.received"), Content(when(detail.received_at, tz))),
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


def body(detail: MentionDetail, catalog: Catalog) -> Content:
    """The title (news items) in bold, then the rest of the text (which starts with the title
    when the feed importer put it there, as it does for news), then the attachments (listed,
    never opened) and what the import could not read well."""
    raw = detail.text or ""
    if not detail.title:
        text = safe(raw)
    else:
        if raw.startswith(detail.title):
            raw = raw[len(detail.title) :].lstrip("\n")
        title = (safe_str(detail.title, one_line=True, max_len=500), "bold")
        text = Content.assemble(title, "\n\n", safe(raw)) if raw else Content.assemble(title)
    extra: list[Content | tuple[str, str] | str] = []
    if detail.attachments:
        extra += ["\n\n", (catalog.t("tui.detail.attachments"), LABEL_STYLE)]
        for a in detail.attachments:
            size = catalog.t("tui.detail.size", kb=max(1, round(a.size / 1024))) if a.size else ""
            line = " · ".join(p for p in (a.name, a.type, size) if p)
            extra += ["\n  📎 ", safe(line, one_line=True, max_len=200)]
    if detail.notes:
        extra += ["\n\n", (catalog.t("tui.detail.notes"), LABEL_STYLE)]
        for note in detail.notes:
            extra += ["\n  ⚠ ", safe(note.render(catalog), one_line=True, max_len=300)]
    return Content.assemble(text, *extra) if extra else text


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


def thread(detail: MentionDetail, catalog: Catalog, tz: tzinfo) -> Content:
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
            (when(row.created_at, tz) + "  ", "$text-muted"),
            (safe_str(row.author, one_line=True, max_len=40), "bold" if here else ""),
            ": ",
            safe(row.text, one_line=True, max_len=160),
        )
        lines.append(line)
    return Content("\n").join(lines)


def reply_block(reply: ReplyView, catalog: Catalog, tz: tzinfo, *, mine: bool = False) -> Content:
    """One reply: when, who, status, then the text as posted (signature included). ``mine``:
    the reader wrote it, so a reply still waiting for approval says how to withdraw it."""
    head = Content.assemble(
        (when(reply.sent_at or reply.created_at, tz), "$text-muted"),
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


def replies(detail: MentionDetail, catalog: Catalog, tz: tzinfo, me: str | None = None) -> Content:
    """Replies already written to this mention (``me``: the reader, whose own waiting reply
    says how to withdraw it)."""
    if not detail.replies:
        return Content(catalog.t("tui.detail.no_replies"))
    return Content("\n\n").join(
        [reply_block(r, catalog, tz, mine=r.author == me) for r in detail.replies]
    )


_DIGEST = re.compile(r"^(sha256:)?[0-9a-f]{32,}$")
_HIDDEN_SUFFIXES = ("hash", "sha256", "digest")


def _hidden(key: str, value: Any) -> bool:
    """A hash is for the record (desk.audit.content, the chain), not for reading."""
    return (
        key == "content"
        or key.endswith(_HIDDEN_SUFFIXES)
        or (isinstance(value, str) and _DIGEST.match(value) is not None)
    )


def _value_words(catalog: Catalog, value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return catalog.t("timeline.empty")
    if isinstance(value, bool):
        return catalog.t("timeline.yes" if value else "timeline.no")
    if isinstance(value, list):
        return ", ".join(_value_words(catalog, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(
            catalog.t(
                "tui.card.pair", label=_key_words(catalog, str(k)), value=_value_words(catalog, v)
            )
            for k, v in value.items()
            if not _hidden(str(k), v)
        )
    return str(value)


def _key_words(catalog: Catalog, key: str) -> str:
    for prefix in ("timeline.field", "tui.card.field"):
        label = catalog.t(f"{prefix}.{key}")
        if label != f"{prefix}.{key}":
            return label
    return key.replace("_", " ")


def data_words(data: dict[str, Any], catalog: Catalog) -> list[str]:
    """An audit event's data as ``name : value`` lines in words (no JSON, no hashes: the
    record keeps them). Raw: the caller sanitises."""
    return [
        catalog.t(
            "tui.card.pair", label=_key_words(catalog, str(k)), value=_value_words(catalog, v)
        )
        for k, v in data.items()
        if not _hidden(str(k), v) and v not in (None, "")  # nothing to say
    ]


def event_sentences(
    event: AuditView, catalog: Catalog, names: Mapping[str, str] | None = None
) -> list[str]:
    """The sentences of the timeline for one audit event (none for an action the timeline
    does not tell), people by their display name (``names``). Raw: the caller sanitises."""
    return [sentence(s, catalog, names) for s in event_steps(event) if s.kind != "other"]


def event_words(event: AuditView, catalog: Catalog, names: Mapping[str, str] | None = None) -> str:
    """What one audit event says: the timeline's sentences when it knows the action, else its
    fields in words. Raw: the caller sanitises."""
    return " · ".join(event_sentences(event, catalog, names) or data_words(event.data, catalog))


def _subject(detail: MentionDetail) -> Subject:
    return Subject(
        id=detail.id,
        platform=detail.platform,
        channel=detail.channel,
        author_handle=detail.author_handle,
        author_name=detail.author_name,
        text=detail.text or "",
        created_at=detail.created_at,
        received_at=detail.received_at,
        status=detail.status,
        category=detail.category,
        assignee=detail.assignee,
    )


def history(
    detail: MentionDetail, catalog: Catalog, tz: tzinfo, names: Mapping[str, str] | None = None
) -> Content:
    """The mention's story in words, oldest first, in the desk's zone ``tz`` (its publication
    is on the card above), people by their display name (``names``)."""
    if not detail.history:
        return Content(catalog.t("tui.detail.no_history"))
    story = build(_subject(detail), detail.history, detail.replies)
    lines = []
    for step in story.steps:
        if step.kind == "published":
            continue
        words = sentence(step, catalog, names)
        if step.kind == "other":
            event = next((e for e in detail.history if e.seq == step.seq), None)
            extra = " · ".join(data_words(event.data, catalog)) if event else ""
            words = f"{words} · {extra}" if extra else words
        lines.append(
            Content.assemble(
                (when(step.at, tz) + "  ", "$text-muted"),
                (safe_str(step.actor, one_line=True, max_len=20), "bold"),
                "  ",
                safe(words, one_line=True, max_len=300),
            )
        )
    return Content("\n").join(lines)
