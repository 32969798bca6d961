"""Rule conditions: small immutable objects that say whether they hold for a mention's Facts.

``All``/``Any``/``Not`` combine the others. ``holds`` appends the words (and regex matches) that
made it true to ``matched``, so every decision can say which words fired a rule.
"""

from __future__ import annotations

import re
import re._constants as _sre_constants
import re._parser as _sre_parser
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex

from desk.calendar import TimeFacts
from desk.triage.words import Skipped, WordIndex, fold

REGEX_TIMEOUT = 0.05  # seconds; a pathological pattern on hostile text must not stall triage
SAFE_TEXT = 2000  # characters a safe pattern searches without a timeout
# A web address with a scheme, "www.", or a bare domain under a common suffix ("promo.example/x").
_LINK = regex.compile(
    r"https?://|www\.|\b[\w-]{2,}\.(?:com|ca|net|org|info|biz|shop|store|xyz|io|ly|co|me|app|"
    r"online|site|fr|qc|example)\b(?:/|\s|$)",
    regex.IGNORECASE,
)


@dataclass(slots=True)
class Facts:
    """What conditions look at, computed once per mention."""

    text: str
    folded: str
    hits: dict[int, list[str]]
    language: str
    platform: str
    channel: str
    kind: str
    author: str  # normalised handle, see ``normalise_handle``
    at: datetime
    when: Callable[[datetime], TimeFacts]
    _time: TimeFacts | None = None
    _link: bool | None = None
    notes: list[str] = field(default_factory=list)
    author_name: str = ""  # the display name, as the platform gives it
    skipped: list[Skipped] = field(default_factory=list)  # occurrences that did not count
    _lowered: str | None = None
    atoms: int = 0
    """What holds, as the compiled engine's bit mask (desk.triage.compiled): the word lists
    with hits, then the set conditions (languages, platforms...) the mention meets."""

    @property
    def time(self) -> TimeFacts:
        """Local-time facts, computed on first use."""
        if self._time is None:
            self._time = self.when(self.at)
        return self._time

    @property
    def lowered(self) -> str:
        """The folded text in lower case (folding may leave capitals: ``Ⅻ`` -> ``XII``), for
        the engine's quick look for the letters a regex cannot match without."""
        if self._lowered is None:
            self._lowered = self.folded.lower()
        return self._lowered

    @property
    def has_link(self) -> bool:
        """Whether the text carries a web link, computed on first use."""
        if self._link is None:
            self._link = bool(_LINK.search(self.text))
        return self._link


def normalise_handle(handle: str) -> str:
    """``@Jane@Example.Social`` -> ``jane@example.social``: how author lists are compared."""
    return handle.strip().lstrip("@").casefold()


class Condition:
    """Base: ``holds`` says whether the condition is true and records what matched.

    ``cost`` orders the parts of an ``All``: cheap checks first, so a regular expression only
    runs when everything else already holds.
    """

    cost = 0

    def holds(self, facts: Facts, matched: list[str]) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def requires(self) -> tuple[frozenset[int], ...]:
        """Groups of word-list ids: when this holds, each group has at least one list with hits.

        The engine uses the first group to skip rules whose words are absent from a text.
        """
        return ()


@dataclass(frozen=True)
class Words(Condition):
    """Any of these words or phrases occurs (see desk.triage.words)."""

    cost = 1

    list_id: int
    entries: tuple[str, ...]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        found = facts.hits.get(self.list_id)
        if not found:
            return False
        matched.extend(found)
        return True

    def requires(self) -> tuple[frozenset[int], ...]:
        return (frozenset((self.list_id,)),)


@dataclass(frozen=True)
class Pattern(Condition):
    """A regular expression found in the folded text (lower case, no accents).

    Patterns that cannot backtrack badly (see ``backtracks_safely``) run without a timeout on
    texts up to SAFE_TEXT characters; every other search has a REGEX_TIMEOUT.
    """

    source: str
    compiled: regex.Pattern[str] = field(compare=False, repr=False)
    safe: bool = False

    cost = 3

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        text = facts.folded
        try:
            if self.safe and len(text) <= SAFE_TEXT:
                found = self.compiled.search(text)
            else:
                found = self.compiled.search(text, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            facts.notes.append(f"regex {self.source!r} timed out")
            return False
        if found is None:
            return False
        matched.append(found.group(0)[:80])
        return True


@dataclass(frozen=True)
class Contains(Condition):
    """One of these literal pieces of text occurs (folded; no word boundaries): ``?``, ``$``."""

    pieces: tuple[str, ...]

    cost = 1

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        text = facts.folded
        found = [p for p in self.pieces if p in text]
        matched.extend(found)
        return bool(found)


def backtracks_safely(source: str) -> bool:
    """Whether a pattern has none of the shapes that backtrack exponentially: a repeat inside a
    repeat, alternatives under a repeat, or a backreference (checked with Python's own parser;
    a pattern it cannot read counts as unsafe)."""
    try:
        tree = _sre_parser.parse(source)
    except Exception:  # noqa: BLE001 - regex-only syntax: keep the timeout
        return False
    repeats = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
    if hasattr(_sre_constants, "POSSESSIVE_REPEAT"):
        repeats.add(_sre_constants.POSSESSIVE_REPEAT)

    def walk(items: Any, inside_repeat: bool) -> bool:
        for op, value in items:
            if op in repeats:
                if inside_repeat:
                    return False
                if not walk(value[2], True):
                    return False
            elif op is _sre_constants.BRANCH:
                if inside_repeat:
                    return False
                if not all(walk(branch, inside_repeat) for branch in value[1]):
                    return False
            elif op in (_sre_constants.GROUPREF, _sre_constants.GROUPREF_EXISTS):
                return False
            elif op is _sre_constants.SUBPATTERN:
                if not walk(value[-1], inside_repeat):
                    return False
            elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
                if not walk(value[1], inside_repeat):
                    return False
        return True

    return walk(tree, False)


# Syntax the regex module reads differently from Python's parser (fuzzy matching "{e<=1}",
# POSIX classes "[[:alpha:]]"): no required text is guessed for such a pattern.
_REGEX_ONLY = re.compile(r"\{[^{}<=>:a-zA-Z]*[<=>:a-zA-Z]|\[\[?:")  # linear: stops at "{"


def required_text(source: str) -> str:
    """Text every match of the pattern contains, in lower case: the longest run of plain ASCII
    characters the pattern spells out outside any repeat, branch or lookaround (``\\bparcs?\\b``
    -> ``parc``); "" when there is none or the pattern is not plain enough to say.

    ASCII only: case-insensitively an ASCII letter also matches ``İ``, ``ſ`` and the Kelvin
    sign, which folding (desk.triage.words.fold) never leaves in a text, and capitals, which
    ``Facts.lowered`` lowers. So a text whose ``lowered`` form lacks this run cannot match."""
    if _REGEX_ONLY.search(source):
        return ""
    try:
        tree = _sre_parser.parse(source)
    except Exception:  # noqa: BLE001 - regex-only syntax: nothing guessed
        return ""
    runs: list[str] = []
    run: list[str] = []

    def walk(items: Any) -> None:
        for op, value in items:
            if op is _sre_constants.LITERAL and value < 128:
                run.append(chr(value))
            elif op is _sre_constants.SUBPATTERN and value[-1] is not None:
                walk(value[-1])  # a plain group is part of the sequence
            else:
                runs.append("".join(run))
                run.clear()

    walk(tree)
    runs.append("".join(run))
    return max(runs, key=len).lower()


LINT_TEXT = 5000  # characters of each synthetic text ``search_time`` tries a regex on
LINT_TIMEOUT = 0.25  # seconds: a search this long is slow enough to say so
_LINT_DEFAULTS = ("a", "0", " ", ".", "-", "@", "ab", "a ", "0 ")
_LINT_ENDINGS = ("", "!", "\x00")
_ORDINARY = "bonjour, quand passe la collecte des ordures dans le secteur nord? merci. "


def search_time(compiled: regex.Pattern[str], source: str, budget: float) -> float:
    """The longest a single search of ``compiled`` takes on long synthetic texts (seconds, at
    most LINT_TIMEOUT), stopping as soon as one takes ``budget`` or more.

    Backtracking is worst on a long run of what a repeat accepts followed by what the pattern
    refuses, so the texts are LINT_TEXT characters of the pattern's own letters, words and a
    few usual characters, each ending three ways, plus ordinary prose. For ``desk rules check``
    only: timing every regex at each load would slow every start."""
    seeds = list(dict.fromkeys([*_LINT_DEFAULTS, *re.findall(r"[^\W_]", source.lower())]))
    seeds += list(dict.fromkeys(re.findall(r"[^\W_]{2,}", source.lower())))[:12]
    texts = [(_ORDINARY * (LINT_TEXT // len(_ORDINARY) + 1))[:LINT_TEXT]]
    for seed in seeds[:40]:
        run = (seed * (LINT_TEXT // len(seed) + 1))[:LINT_TEXT]
        texts += [run[: LINT_TEXT - len(end)] + end for end in _LINT_ENDINGS]
    worst = 0.0
    for text in texts:
        began = time.perf_counter()
        try:
            compiled.search(text, timeout=LINT_TIMEOUT)
        except TimeoutError:
            return LINT_TIMEOUT
        worst = max(worst, time.perf_counter() - began)
        if worst >= budget:
            break
    return worst


def expanded_size(source: str) -> int | None:
    """Roughly how many nodes a pattern becomes once its counted repeats are written out
    (``(?:ab{3}){2}`` -> 8), or None when Python's parser cannot read it (regex-only syntax)."""
    try:
        tree = _sre_parser.parse(source)
    except Exception:  # noqa: BLE001 - regex-only syntax: the caller checks the text instead
        return None
    repeats = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
    if hasattr(_sre_constants, "POSSESSIVE_REPEAT"):
        repeats.add(_sre_constants.POSSESSIVE_REPEAT)

    def size(items: Any) -> int:
        total = 0
        for op, value in items:
            if op in repeats:
                total += max(value[0], 1) * size(value[2])
            elif op is _sre_constants.BRANCH:
                total += sum(size(branch) for branch in value[1])
            elif op is _sre_constants.SUBPATTERN:
                total += size(value[-1])
            elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
                total += size(value[1])
            else:
                total += 1
        return total

    return size(tree)


@dataclass(frozen=True)
class OneOf(Condition):
    """A mention attribute (language, platform, channel, kind) is one of these values."""

    attribute: str
    values: frozenset[str]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        return getattr(facts, self.attribute) in self.values


@dataclass(frozen=True)
class AuthorIn(Condition):
    """The author is in one of the named lists."""

    lists: tuple[str, ...]
    handles: frozenset[str]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        if facts.author in self.handles:
            matched.append("@" + facts.author)
            return True
        return False


AUTHORS_REMEMBERED = 10_000  # (name, handle) pairs whose claims AuthorClaims keeps
_CAMEL = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})")  # CityOfPineford -> City Of Pineford
_HANDLE_PARTS = regex.compile(r"[\W_]+")


def author_words(name: str, handle: str) -> str:
    """The display name and the handle as folded words (``@Mairie_Officielle`` -> ``mairie
    officielle``; camel case split), for ``AuthorClaims``. Only the handle's account part: the
    server or domain after a second ``@`` or a dot is the platform's, not a claim."""
    account = handle.strip().lstrip("@").split("@")[0]
    account = account.split(".")[0] if "." in account else account
    spaced = _HANDLE_PARTS.sub(" ", _CAMEL.sub(" ", f"{name} {account}"))
    return fold(spaced)


@dataclass(frozen=True)
class AuthorClaims(Condition):
    """The author's display name or handle holds one of these words (``mairie``, ``official``):
    the account presents itself as the city or an official service. Combined with
    ``not = { author_in = ["official"] }`` it finds accounts that impersonate them."""

    entries: tuple[str, ...]
    index: WordIndex = field(compare=False, repr=False)
    # authors write many mentions: what each (name, handle) claims is worked out once
    seen: dict[tuple[str, str], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    cost = 1  # nothing to do when the platform gives no author

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        if not facts.author_name and not facts.author:
            return False
        key = (facts.author_name, facts.author)
        found = self.seen.get(key)
        if found is None:
            if len(self.seen) >= AUTHORS_REMEMBERED:
                self.seen.clear()
            words = author_words(facts.author_name, facts.author)
            found = self.seen[key] = tuple(self.index.find(words).get(0, ()))
        if not found:
            return False
        matched.extend(f"{word} (author)" for word in found)
        return True


@dataclass(frozen=True)
class HasLink(Condition):
    """The text has (or, with ``False``, has no) web link."""

    wanted: bool

    cost = 2  # a regular expression over the text, on first use

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        return facts.has_link is self.wanted


@dataclass(frozen=True)
class Time(Condition):
    """The mention arrived in one of these windows (business_hours, weekend, holiday...)."""

    windows: tuple[str, ...]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        moment = facts.time
        return any(moment.window(w) for w in self.windows)


@dataclass(frozen=True)
class All(Condition):
    """Every part holds (tried cheapest first)."""

    cost = 4

    parts: tuple[Condition, ...]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        mark = len(matched)
        for part in self.parts:
            if not part.holds(facts, matched):
                del matched[mark:]
                return False
        return True

    def requires(self) -> tuple[frozenset[int], ...]:
        return tuple(group for part in self.parts for group in part.requires())


@dataclass(frozen=True)
class AnyOf(Condition):
    """At least one part holds (every part that holds adds its matches)."""

    cost = 4

    parts: tuple[Condition, ...]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        result = False
        for part in self.parts:
            if part.holds(facts, matched):
                result = True
        return result

    def requires(self) -> tuple[frozenset[int], ...]:
        firsts = [part.requires()[:1] for part in self.parts]
        if not firsts or not all(firsts):
            return ()
        return (frozenset().union(*(group[0] for group in firsts)),)


@dataclass(frozen=True)
class Not(Condition):
    """None of the parts holds (their matches are not reported)."""

    cost = 4

    parts: tuple[Condition, ...]

    def holds(self, facts: Facts, matched: list[str]) -> bool:
        scratch: list[str] = []
        return not any(part.holds(facts, scratch) for part in self.parts)
