"""Who one approved correction may go to, and at what pace (pure: no database, no clock).

The rules (crisis.md §3, the platforms' own limits and rules):

- only posts that *addressed* the account (a mention, a reply, a quote, an e-mail): never a post
  a keyword watch found (X permits programmatic replies only to posts that "summoned" the
  account; Bluesky's developer guidelines call automated replies to others spam);
- at most one reply per author in the batch, and none to an author this answer already reached;
- never a mention already answered (a reply out, on its way or waiting for approval);
- never more than the platform's budget per window, counting the replies already posted in the
  window: the rest is skipped with its reason, to be sent by a later run;
- live replies spaced by ``window / budget`` (``spacing``), so a batch never bursts.

Each platform declares its budget, well under its own limit (``Platform.batch_budget`` in its
package): Mastodon 100 per 3 h, X 60 per 15 min, Bluesky 300 per hour, e-mail 200 per hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from desk.platforms.registry import PLATFORMS

ADDRESSING = frozenset({"mention", "reply", "quote", "email", "dm"})
"""Kinds of mention written *to* the account (``keyword``, ``news``, ``automatic`` are not)."""


@dataclass(frozen=True, slots=True)
class Budget:
    """At most ``posts`` replies per ``window`` on one platform."""

    posts: int
    window: timedelta

    @property
    def spacing(self) -> timedelta:
        """The pause between two live replies that keeps a batch under the budget."""
        return self.window / self.posts


BUDGETS: Mapping[str, Budget] = {
    name: Budget(*p.batch_budget) for name, p in PLATFORMS.items() if p.batch_budget
}
"""Each platform's budget, as it declares it (``Platform.batch_budget``)."""
DEFAULT_BUDGET = Budget(60, timedelta(hours=1))


def budget_for(platform: str) -> Budget:
    """The budget of replies a batch may use on ``platform``."""
    return BUDGETS.get(platform, DEFAULT_BUDGET)


@dataclass(frozen=True, slots=True)
class Target:
    """What the planner needs of a candidate mention."""

    id: int
    platform: str
    author: str
    kind: str
    open: bool
    answered: bool
    """A reply to it is out, on its way or waiting for approval."""


@dataclass(frozen=True, slots=True)
class Skip:
    """A mention the batch leaves alone, and why (``errors.crisis_<reason>`` in the catalog)."""

    mention_id: int
    reason: str


@dataclass
class Plan:
    """The mentions to reply to, in order, and those skipped with their reason."""

    send: list[Target] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def per_platform(self) -> dict[str, int]:
        """How many replies go to each platform."""
        counts: dict[str, int] = {}
        for target in self.send:
            counts[target.platform] = counts.get(target.platform, 0) + 1
        return counts


def author_key(author: str) -> str:
    """One author however the handle is written (``@Renee@Example.org`` = ``renee@example.org``)."""
    return author.strip().lstrip("@").casefold()


def plan(
    targets: Sequence[Target],
    *,
    reached: Iterable[str] = (),
    used: Mapping[str, int] | None = None,
    budgets: Mapping[str, Budget] | None = None,
) -> Plan:
    """Who gets the correction: ``targets`` in order, less those a rule excludes.

    ``reached``: authors this answer already went to; ``used``: replies already posted per
    platform in its budget's window; ``budgets``: per platform (default BUDGETS)."""
    chosen = Plan()
    seen = {author_key(a) for a in reached}
    spent = dict(used or {})
    for target in targets:
        reason = _excluded(target, seen)
        budget = (budgets or BUDGETS).get(target.platform, DEFAULT_BUDGET)
        if reason is None and spent.get(target.platform, 0) >= budget.posts:
            reason = "over_budget"
        if reason is not None:
            chosen.skipped.append(Skip(target.id, reason))
            continue
        seen.add(author_key(target.author))
        spent[target.platform] = spent.get(target.platform, 0) + 1
        chosen.send.append(target)
    return chosen


def _excluded(target: Target, seen: set[str]) -> str | None:
    if not target.open:
        return "closed"
    if target.answered:
        return "answered"
    if target.kind not in ADDRESSING:
        return "not_addressed"
    if author_key(target.author) in seen:
        return "same_author"
    return None
