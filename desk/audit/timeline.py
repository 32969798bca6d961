"""One mention's story, oldest first: the readable form of its audit trail.

``build`` is pure: from the mention, its replies and its audit events (desk.queries reads them)
it makes ``Step``s — arrival, triage decision, assignments, claims and take-overs, drafts,
submissions for approval, decisions with their notes, the exact text posted, status changes —
each with its time, who, and the time since the step before and since arrival, plus a few
``Milestone``s ("first reply 42 min after arrival"). ``sentence`` words a step in the catalog's
language; ``text_lines`` is the plain-text form the CLI prints. Every string in a step is raw
(the record); whoever shows it sanitises it (desk.text.safe / desk.tui.safe).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from desk.audit.actions import Action
from desk.i18n import Catalog
from desk.reports import duration
from desk.triage.explain import target_text
from desk.views import AuditView, ReplyView

# Step kinds by audit action (the catalog has ``timeline.step.<kind>`` for each).
KINDS: dict[str, str] = {
    Action.MENTION_RETRIAGED: "retriaged",
    Action.MENTION_ASSIGNED: "assigned",
    Action.MENTION_HANDED_OVER: "handed_over",
    Action.MENTION_CLAIMED: "claimed",
    Action.MENTION_RELEASED: "released",
    Action.MENTION_REPLY_TAKEN_OVER: "taken_over",
    Action.MENTION_CATEGORISED: "categorised",
    Action.MENTION_CLOSED: "closed",
    Action.MENTION_REOPENED: "reopened",
    Action.MENTION_MARKED_SPAM: "marked_spam",
    Action.MENTION_TAGGED: "tagged",
    Action.REPLY_SUBMITTED: "submitted",
    Action.REPLY_APPROVED: "approved",
    Action.REPLY_REJECTED: "rejected",
    Action.REPLY_WITHDRAWN: "withdrawn",
    Action.REPLY_SENDING: "sending",
    Action.REPLY_SENT: "sent",
    Action.REPLY_FAILED: "failed",
    Action.REPLY_UNKNOWN: "unknown",
}
_TEXT_OF = {"submitted", "approved", "sent"}  # steps that carry a reply's exact text
_GIVES_OWNER = {"assigned", "handed_over", "claimed"}
_CLOSES = {"closed", "marked_spam", "sent"}


@dataclass(frozen=True, slots=True)
class Subject:
    """What the timeline needs to know about the mention itself."""

    id: int
    platform: str
    channel: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime  # posted on the platform
    received_at: datetime  # arrived in desk: the clock of every "after arrival"
    status: str
    category: str
    assignee: str | None


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happened to the mention."""

    at: datetime
    actor: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # the reply's exact text (submitted, approved, posted)
    note: str | None = None  # a reviewer's note
    action: str = ""  # the audit action it comes from ("" for the post itself)
    seq: int | None = None
    reply_id: int | None = None
    since_previous: float | None = None  # seconds
    since_arrival: float | None = None  # seconds; None before arrival

    def to_json(
        self, catalog: Catalog | None = None, names: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """JSON form (raw values; ``sentence`` in the catalog's language when given, people
        by their display name from ``names``)."""
        out: dict[str, Any] = {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "kind": self.kind,
            "action": self.action or None,
            "seq": self.seq,
            "reply_id": self.reply_id,
            "values": self.values,
            "text": self.text,
            "note": self.note,
            "since_previous_seconds": _round(self.since_previous),
            "since_arrival_seconds": _round(self.since_arrival),
        }
        if catalog is not None:
            out["sentence"] = sentence(self, catalog, names)
        return out


@dataclass(frozen=True, slots=True)
class Milestone:
    """A landmark measured from arrival: ``assigned``, ``first_reply``, ``closed``."""

    key: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Timeline:
    """The mention, its steps in order, its milestones; ``truncated`` when events were left out."""

    subject: Subject
    steps: list[Step]
    milestones: list[Milestone]
    truncated: bool = False

    def to_json(
        self, catalog: Catalog | None = None, names: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """JSON form printed by ``desk audit timeline --json``."""
        s = self.subject
        return {
            "mention": {
                "id": s.id,
                "platform": s.platform,
                "channel": s.channel,
                "author": s.author_handle,
                "author_name": s.author_name,
                "text": s.text,
                "created_at": s.created_at.isoformat(),
                "received_at": s.received_at.isoformat(),
                "status": s.status,
                "category": s.category,
                "assignee": s.assignee,
            },
            "steps": [step.to_json(catalog, names) for step in self.steps],
            "milestones": {
                m.key: {
                    "seconds": _round(m.seconds),
                    **({"sentence": milestone_sentence(m, catalog)} if catalog else {}),
                }
                for m in self.milestones
            },
            "truncated": self.truncated,
        }


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


# -- building ------------------------------------------------------------------------------


def build(
    subject: Subject,
    events: Sequence[AuditView],
    replies: Sequence[ReplyView] = (),
    *,
    truncated: bool = False,
) -> Timeline:
    """The mention's timeline from its audit events (any order) and replies."""
    authors = {r.id: r.author for r in replies}
    ordered = sorted((e for e in events if e.mention_id == subject.id), key=lambda e: e.seq)
    steps = [
        Step(
            at=subject.created_at,
            actor=subject.author_handle,
            kind="published",
            values={"platform": subject.platform, "author": subject.author_handle},
        )
    ]
    if not any(e.action == Action.MENTION_INGESTED for e in ordered):
        # the arrival event is gone (purged) or never existed: the mention row still says when
        steps.append(Step(at=subject.received_at, actor="", kind="received_plain"))
    for event in ordered:
        steps += _steps_of(event, authors)
    steps = _with_durations(steps, subject.received_at)
    return Timeline(subject, steps, _milestones(steps), truncated)


def event_steps(event: AuditView) -> list[Step]:
    """The steps one audit event stands for, to word it alone (``sentence``): the audit
    screen's lines. Kind ``other`` for an action the timeline does not tell."""
    return _steps_of(event, {})


def _steps_of(event: AuditView, authors: dict[int, str]) -> list[Step]:
    data = event.data if isinstance(event.data, dict) else {}
    base = Step(
        at=event.at,
        actor=event.actor,
        kind="other",
        action=event.action,
        seq=event.seq,
        reply_id=event.reply_id,
    )
    if event.action == Action.MENTION_INGESTED:
        return _arrival(base, data)
    kind = KINDS.get(event.action, "other")
    values: dict[str, Any] = {k: _plain(v) for k, v in data.items() if k not in ("text", "note")}
    if event.reply_id is not None:
        values["author"] = str(data.get("author") or authors.get(event.reply_id) or event.actor)
    if kind == "other":
        values = {"action": event.action}
    text = data.get("text") if kind in _TEXT_OF and isinstance(data.get("text"), str) else None
    note = data.get("note") if isinstance(data.get("note"), str) else None
    if kind == "closed" and data.get("reason"):
        kind = "closed_because"
    previous = data.get("previous")
    if kind in ("assigned", "claimed", "released") and previous:
        if kind == "assigned" or previous != event.actor:  # not "released (was mine)"
            kind += "_from"
    if kind == "approved" and data.get("edited"):
        kind = "approved_edited"
    elif kind == "approved":
        text = None  # unchanged: the text is the one submitted just above
    if kind == "retriaged":
        values = {"changes": data.get("changes") or {}, "source": str(data.get("source") or "")}
    return [replace(base, kind=kind, values=values, text=text, note=note)]


def _plain(value: Any) -> Any:
    return (
        value if isinstance(value, (str, int, float, bool, list)) or value is None else str(value)
    )


def _arrival(base: Step, data: dict[str, Any]) -> list[Step]:
    """``mention.ingested`` is three steps: it arrived, how it was sorted, where it went."""
    received = replace(base, kind="received", values={"source": str(data.get("source") or "")})
    triaged = replace(
        base,
        kind="triaged",
        values={
            "category": str(data.get("category") or "other"),
            "priority": data.get("priority"),
            "rules": [str(r) for r in data.get("rules") or []],
            "status": str(data.get("status") or "open"),
        },
    )
    stored_route = data.get("route")
    route: dict[str, Any] = stored_route if isinstance(stored_route, dict) else {}
    assignee = data.get("assignee") or route.get("assignee")
    routed = replace(
        base,
        kind="routed" if assignee else "unrouted",
        values={
            "who": str(assignee or ""),
            "via": str(route.get("via") or ""),
            "rule": str(route.get("rule") or ""),
            "target": str(route.get("target") or ""),
        },
    )
    return [received, triaged, routed]


def _with_durations(steps: list[Step], arrival: datetime) -> list[Step]:
    out: list[Step] = []
    previous: datetime | None = None
    for step in steps:
        since_arrival = (step.at - arrival).total_seconds()
        out.append(
            replace(
                step,
                since_previous=None if previous is None else (step.at - previous).total_seconds(),
                since_arrival=since_arrival if since_arrival >= 0 else None,
            )
        )
        previous = step.at
    return out


def _milestones(steps: list[Step]) -> list[Milestone]:
    found: dict[str, float] = {}
    for step in steps:
        if step.since_arrival is None:
            continue
        # a re-triage may route an unassigned mention or close it as spam: that counts too
        retriaged = _retriaged_to(step) if step.kind == "retriaged" else {}
        owner = (
            step.kind.removesuffix("_from") in _GIVES_OWNER
            or (step.kind == "routed" and step.values.get("who"))
            or retriaged.get("assignee")
        )
        if owner:
            found.setdefault("assigned", step.since_arrival)
        if step.kind == "sent":
            found.setdefault("first_reply", step.since_arrival)
        if (
            step.kind.removesuffix("_because") in _CLOSES
            or (step.kind == "triaged" and step.values.get("status") == "closed")
            or retriaged.get("status") == "closed"
        ):
            found.setdefault("closed", step.since_arrival)
    order = ("assigned", "first_reply", "closed")
    return [Milestone(key, found[key]) for key in order if key in found]


def _retriaged_to(step: Step) -> dict[str, Any]:
    """The values a re-triage step changed fields to (``{"assignee": "bruno", ...}``)."""
    changes = step.values.get("changes")
    if not isinstance(changes, dict):
        return {}
    return {k: c.get("to") for k, c in changes.items() if isinstance(c, dict)}


# -- words ---------------------------------------------------------------------------------


def span(seconds: float | None, catalog: Catalog | None = None) -> str:
    """A duration for a person: ``12 s`` under a minute, else desk.reports.duration (in the
    catalog's words when given: ``4,4 j``)."""
    if seconds is None:
        return "—"
    if abs(seconds) < 60:
        return f"{seconds:.0f} s"
    return duration(seconds, catalog)


def _label(catalog: Catalog, prefix: str, value: object) -> str:
    key = f"{prefix}.{value}"
    text = catalog.t(key)
    return str(value) if text == key else text


def _reason(catalog: Catalog, reason: str) -> str:
    """Why a reply waits for approval (``category:rumour``) in words."""
    kind, _, value = reason.partition(":")
    if kind == "category":
        value = _label(catalog, "tui.category", value)
    key = f"tui.reason.{kind}"
    text = catalog.t(key, value=value)
    return reason if text == key else text


def _priority(catalog: Catalog, value: object) -> str:
    names = {0: "low", 1: "normal", 2: "high", 3: "urgent"}
    name = names.get(value, value) if isinstance(value, int) else value
    return _label(catalog, "tui.priority", name)


def _field_value(catalog: Catalog, name: str, value: Any) -> str:
    """A re-triaged field's value in words (lists joined, yes/no, labels translated)."""
    if value is None or value == "" or value == []:
        return catalog.t("timeline.empty")
    if isinstance(value, bool):
        return catalog.t("timeline.yes" if value else "timeline.no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    prefix = {"category": "tui.category", "status": "tui.status"}.get(name)
    if name == "priority":
        return _priority(catalog, value)
    return _label(catalog, prefix, value) if prefix else str(value)


def _changes(catalog: Catalog, changes: dict[str, Any]) -> str:
    parts = []
    for name, change in changes.items():
        change = change if isinstance(change, dict) else {}
        before, after = change.get("from"), change.get("to")
        parts.append(
            catalog.t(
                "timeline.change",
                field=_label(catalog, "timeline.field", name),
                before=_field_value(catalog, name, before),
                after=_field_value(catalog, name, after),
            )
        )
    return ", ".join(parts) or catalog.t("timeline.no_change")


NAMED = ("author", "to", "previous", "who")
"""The values of a step that name a person of the desk (a login): said by their display name."""


def sentence(step: Step, catalog: Catalog, names: Mapping[str, str] | None = None) -> str:
    """The step as one sentence in the catalog's language (raw: sanitise before showing):
    people by their display name when ``names`` (login -> display name) has one, French
    elision after the name is in ("Réponse d'Amélie Bouchard")."""
    return catalog.elide(_sentence(step, catalog, names or {}))


def _sentence(step: Step, catalog: Catalog, names: Mapping[str, str]) -> str:
    v = dict(step.values)
    for key in NAMED:
        if isinstance(v.get(key), str) and v[key] in names:
            v[key] = names[v[key]]
    t = catalog.t
    if step.kind == "triaged":
        v["category"] = _label(catalog, "tui.category", v.get("category"))
        v["priority"] = _priority(catalog, v.get("priority"))
        rules = v.get("rules") or []
        v["rules"] = ", ".join(str(r) for r in rules) if rules else t("timeline.no_rule")
    elif step.kind == "routed":
        target = target_text(str(v.get("target") or ""), catalog)
        how = (
            t("triage.route.rule", rule=v.get("rule"), target=target)
            if v.get("via") == "rule"
            else t("triage.route.routing", target=target)
        )
        return t("triage.assigned", who=v.get("who"), how=how)
    elif step.kind == "unrouted":
        return t("triage.unassigned")
    elif step.kind in ("categorised", "categorised_from"):
        v["category"] = _label(catalog, "tui.category", v.get("category"))
        v["previous"] = _label(catalog, "tui.category", v.get("previous"))
    elif step.kind == "submitted":
        v["reasons"] = ", ".join(_reason(catalog, str(r)) for r in v.get("reasons") or [])
    elif step.kind in ("approved", "approved_edited", "rejected"):
        v["delay"] = span(
            v.get("delay_seconds") if isinstance(v.get("delay_seconds"), (int, float)) else None,
            catalog,
        )
    elif step.kind == "sent":
        v["status"] = _label(catalog, "tui.status", v.get("status") or "sent")
    elif step.kind == "retriaged":
        v["changes"] = _changes(catalog, v.get("changes") or {})
    return t(f"timeline.step.{step.kind}", **v)


def milestone_sentence(milestone: Milestone, catalog: Catalog) -> str:
    """``first reply 42 min after arrival``, in the catalog's language."""
    return catalog.t(
        f"timeline.milestone.{milestone.key}", duration=span(milestone.seconds, catalog)
    )


def summary(timeline: Timeline, catalog: Catalog) -> str:
    """The milestones on one line (or that nothing happened yet)."""
    parts = [milestone_sentence(m, catalog) for m in timeline.milestones]
    return " · ".join(parts) if parts else catalog.t("timeline.no_milestone")


def local_time(at: datetime, tz: tzinfo) -> str:
    """``2026-11-12 09:03`` in the desk's time zone."""
    try:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):  # a date at the edge of the calendar
        return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def gap_text(step: Step, previous: Step | None, catalog: Catalog | None = None) -> str:
    """``+42 min`` since the step before; empty for the first step and for the second and third
    steps of one event (arrival, triage and routing are one moment)."""
    same_event = previous is not None and step.seq is not None and step.seq == previous.seq
    if step.since_previous is None or same_event:
        return ""
    return f"+{span(step.since_previous, catalog)}"


def text_lines(
    timeline: Timeline, catalog: Catalog, tz: tzinfo, names: Mapping[str, str] | None = None
) -> list[str]:
    """The timeline as plain lines for a terminal (raw: the caller sanitises each line);
    ``names`` as for ``sentence``."""
    s = timeline.subject
    t = catalog.t
    lines = [
        t(
            "timeline.title",
            id=s.id,
            platform=s.platform,
            author=s.author_handle,
            status=_label(catalog, "tui.status", s.status),
        ),
        *(f"  > {line}" for line in (s.text.splitlines() or [""])),
        t("timeline.summary", summary=summary(timeline, catalog)),
        "",
    ]
    previous: Step | None = None
    for step in timeline.steps:
        gap = gap_text(step, previous, catalog)
        previous = step
        lines.append(
            f"{local_time(step.at, tz)}  {gap:>10}  {step.actor[:20]:<20}  {sentence(step, catalog, names)}"
        )
        if step.note:
            lines += _indented(t("timeline.note"), step.note)
        if step.text is not None:
            lines += _indented(t("timeline.text"), step.text)
    if timeline.truncated:
        lines.append(t("timeline.truncated"))
    return lines


_INDENT = " " * 55  # under the sentence: time (19), gap (10), who (20) and their spaces


def _indented(label: str, text: str) -> list[str]:
    body = text.splitlines() or [""]
    pad = " " * (len(label) + 1)
    return [f"{_INDENT}{label} {body[0]}", *(f"{_INDENT}{pad}{line}" for line in body[1:])]
