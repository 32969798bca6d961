"""Answers as they are read: the plain read model, and what an answer says for one mention.

``AnswerView`` is the read model the CLI and the UI get (``view_of`` builds it from a row).
``render`` fills an answer's variables (``{author}``, ``{date}``, ``{place}``, ``{link}``) for a
mention; ``fills`` lists the values taken from the citizen's post (``{author}``) and whether
each passed its check (a handle must be a handle of the platform): a reply that puts an
unchecked one under the organisation's name waits for a supervisor. ``expired`` says whether
its expiry date has passed; ``rank`` orders the live answers for a mention: crisis answers first
while a crisis is declared, then the triage rules' suggestion, then what the mention says
(BM25, desk.answers.relevance), category and tags only a small boost. All pure: no session, no I/O; AnswerService (desk.answers) reads the rows
and hands them here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from desk.answers import relevance
from desk.clock import as_utc
from desk.db import store
from desk.db.tables import Answer, Mention
from desk.platforms.handles import is_handle
from desk.triage.words import fold

VARIABLES = ("author", "date", "place", "link")
UNTRUSTED = ("author",)
"""The variables filled from what the citizen's post says (the others come from the team)."""


@dataclass(frozen=True)
class AnswerView:
    """An answer as the CLI and the UI show it."""

    id: int
    name: str
    language: str
    title: str
    body: str
    source_url: str | None
    version: int
    expires_on: date | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    pre_approved: bool
    source_changed: bool  # the source changed after the answer was last revised
    active: bool = True  # False once retired (kept for the replies that used it)
    updated_by: str = ""
    updated_at: datetime | None = None
    source_updated: date | None = None  # when the source last changed, if known

    def fields(self) -> dict[str, Any]:
        """The editable fields, as ``AnswerService.create``/``edit`` take them."""
        return {
            "name": self.name,
            "language": self.language,
            "title": self.title,
            "body": self.body,
            "source_url": self.source_url,
            "expires_on": self.expires_on,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "pre_approved": self.pre_approved,
        }

    def to_json(self) -> dict[str, Any]:
        """Plain form."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "title": self.title,
            "body": self.body,
            "source_url": self.source_url,
            "version": self.version,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "pre_approved": self.pre_approved,
            "source_changed": self.source_changed,
            "active": self.active,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "source_updated": self.source_updated.isoformat() if self.source_updated else None,
        }


@dataclass(frozen=True)
class Fill:
    """A value an answer takes from the mention (``{author}``), and whether it passed its check
    (``checked``: the author field is a handle of the mention's platform)."""

    variable: str
    value: str
    checked: bool

    def reason(self) -> str:
        """The approval reason when unchecked: ``unchecked:author``."""
        return f"unchecked:{self.variable}"

    def to_json(self) -> dict[str, Any]:
        """Plain form."""
        return {"variable": self.variable, "value": self.value, "checked": self.checked}


@dataclass(frozen=True)
class Suggestion:
    """An answer proposed for a mention, rendered for it, with why it ranks where it does,
    and the values it took from the mention (shown in every preview)."""

    answer: AnswerView
    text: str
    score: float
    why: tuple[str, ...]
    fills: tuple[Fill, ...] = ()


def view_of(answer: Answer) -> AnswerView:
    """The plain read model."""
    updated = as_utc(answer.updated_at).date()
    return AnswerView(
        id=answer.id or 0,
        name=answer.name,
        language=answer.language,
        title=answer.title,
        body=answer.body,
        source_url=answer.source_url,
        version=answer.version,
        expires_on=answer.expires_on,
        tags=tuple(store.json_list(answer.tags)),
        categories=tuple(store.json_list(answer.categories)),
        pre_approved=answer.pre_approved,
        source_changed=bool(answer.source_updated and answer.source_updated > updated),
        active=answer.active,
        updated_by=answer.updated_by,
        updated_at=as_utc(answer.updated_at),
        source_updated=answer.source_updated,
    )


def expired(answer: Answer | AnswerView, today: date) -> bool:
    """Whether the answer's expiry date has passed."""
    return answer.expires_on is not None and answer.expires_on < today


def render(answer: Answer | AnswerView, mention: Mention, today: date, place: str = "") -> str:
    """The answer's body for this mention, variables filled; unknown braces stay as written."""
    values = {
        "author": mention.author_handle,
        "date": today.isoformat(),
        "place": place,
        "link": answer.source_url or "",
    }
    text = answer.body
    for key in VARIABLES:
        text = text.replace("{" + key + "}", values[key])
    return text.strip()


def fills(answer: Answer | AnswerView, mention: Mention) -> list[Fill]:
    """The values ``render`` puts into this answer's body from the mention's untrusted fields,
    each checked: ``{author}`` must be a handle of the mention's platform."""
    found = []
    if "{author}" in answer.body:
        value = mention.author_handle
        found.append(Fill("author", value, is_handle(mention.platform, value)))
    return found


CATEGORY_BOOST = 0.1
"""A tag the mention and the answer share, or the mention's category when it is the answer's
only one: +10 % each (a tie-breaker); a category among n counts 1/n of that."""
FLOOR = 0.01  # what such a boost is worth to an answer sharing no word with the mention


def rank(
    mention: Mention,
    answers: Iterable[Answer],
    today: date,
    limit: int,
    *,
    crisis: bool = False,
) -> list[Suggestion]:
    """The ``limit`` best of ``answers`` for ``mention``, rendered for it.

    Ordered by: while a ``crisis`` is declared, the answers tagged ``crisis`` first; then the
    triage rules' suggestion; then what the mention says (BM25 over each answer's title, text
    and tags, desk.answers.relevance), with the mention's category and tags as a small boost
    (+10 % each), so they only decide between answers the text scores alike. Expired answers
    and those in another language (when the mention's is known) are left out; so are answers
    with nothing in common with the mention (no word, category, tag or rule).
    """
    language = mention.language if mention.language in ("fr", "en") else None
    live = [
        a for a in answers if not expired(a, today) and (language is None or a.language == language)
    ]
    tags_of = [store.json_list(a.tags) for a in live]
    content = relevance.scores(mention.text, live, tags_of)
    mention_tags = {fold(t) for t in store.json_list(mention.tags)}
    ranked: list[tuple[tuple[bool, bool, float, str], Answer, tuple[str, ...]]] = []
    for answer, tags, words in zip(live, tags_of, content, strict=True):
        folded = {fold(t) for t in tags}
        categories = store.json_list(answer.categories)
        reasons = tuple(
            reason
            for reason, present in (
                ("crisis", crisis and relevance.CRISIS_TAG in folded),
                ("rule", mention.suggested_answer == answer.name),
                ("words", words > 0),
                ("category", mention.category in categories),
                ("tags", bool(mention_tags & folded)),
            )
            if present
        )
        if not reasons:
            continue
        # an answer written for this category alone fits better than one listing five
        boosts = ("category" in reasons) / max(len(categories), 1) + len(mention_tags & folded)
        score = words * (1 + CATEGORY_BOOST * boosts) + FLOOR * boosts
        key = ("crisis" not in reasons, "rule" not in reasons, -score, answer.name)
        ranked.append((key, answer, reasons))
    ranked.sort(key=lambda r: r[0])
    out = []
    for (_crisis, _rule, minus, _name), answer, reasons in ranked[:limit]:
        text = render(answer, mention, today)
        filled = tuple(fills(answer, mention))
        out.append(Suggestion(view_of(answer), text, -minus, reasons, filled))
    return out
