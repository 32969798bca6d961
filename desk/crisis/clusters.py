"""Clusters: open mentions that say the same thing, grouped (pure: no database, no clock).

Three kinds of sameness, joined in one union-find:

- copies: the same text once normalised (case, accents, links, @handles, ``RT``, punctuation);
- near-duplicates and light paraphrases: MinHash signatures of character 3-grams (datasketch,
  ``num_perm`` 64) looked up in a MinHashLSH index (Jaccard ``threshold`` 0.5 by default), the
  method crisis.md §5 measured at 1.8 s for 5,000 posts;
- the same link: two posts sharing a URL with a path (a bare domain, such as the city's own
  site, joins nothing).

French and English posts are clustered alike (the 3-grams ignore the language); a cluster of
both shows both in ``languages``. A cluster's id is its smallest mention id, so it stays the same
while it grows.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NUM_PERM = 64
THRESHOLD = 0.5
SHINGLE = 3
MIN_SIZE = 2

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])@[\w.@-]+")
_RT = re.compile(r"^\s*(?:rt|via)\b\s*:?", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")
_WORD = re.compile(r"[^\W\d_]{3,}")

STOPWORDS = frozenset(
    """
    les des une est pas que qui sur pour dans par avec son ses aux mais ont sont cette ces
    elle ils nous vous leur leurs tout tous plus moins deja encore aussi comme fait faire etre
    avoir the and for are but not you your with this that have has was were from they them what
    when where which who will would can could should our out all any just been into its it's
    about there their than then also very here
    """.split()
)


@dataclass(frozen=True, slots=True)
class Post:
    """What clustering needs of a mention."""

    id: int
    text: str
    author: str
    language: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of posts saying the same thing, as a person reviews it."""

    id: int
    size: int
    mention_ids: tuple[int, ...]
    representative: str
    """The most repeated text of the group (the earliest of the most repeated, verbatim)."""
    top_words: tuple[tuple[str, int], ...]
    top_links: tuple[tuple[str, int], ...]
    languages: tuple[tuple[str, int], ...]
    authors: int
    top_authors: tuple[tuple[str, int], ...]
    first_seen: datetime
    last_seen: datetime
    last_hour: int
    hour_before: int

    @property
    def growth(self) -> int:
        """Posts in the last hour minus those in the hour before (the trend at a glance)."""
        return self.last_hour - self.hour_before

    def to_json(self) -> dict[str, object]:
        """The plain JSON form."""
        return {
            "id": self.id,
            "size": self.size,
            "label": self.representative,
            "mention_ids": list(self.mention_ids),
            "languages": dict(self.languages),
            "authors": self.authors,
            "top_authors": dict(self.top_authors),
            "top_words": dict(self.top_words),
            "top_links": dict(self.top_links),
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "last_hour": self.last_hour,
            "hour_before": self.hour_before,
            "growth": self.growth,
        }


def strip_accents(text: str) -> str:
    """``Écoles fermées`` -> ``Ecoles fermees``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def links(text: str) -> list[str]:
    """The URLs of ``text`` with a path, normalised (no scheme, ``www.``, query or end slash)."""
    found = []
    for raw in _URL.findall(text):
        url = raw.rstrip(".,;:!?)»\"'").split("#", 1)[0].split("?", 1)[0]
        url = re.sub(r"^https?://(www\.)?", "", url, flags=re.IGNORECASE).rstrip("/")
        host, _, path = url.partition("/")
        if path:
            found.append(f"{host.lower()}/{path}")
    return found


def normalise(text: str) -> str:
    """The words of ``text`` that say something: lower case, no accents, links, handles, ``RT``
    or punctuation."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _RT.sub(" ", text)
    text = strip_accents(text.casefold())
    return _NON_WORD.sub(" ", text).replace("_", " ").strip()


def shingles(normal: str, size: int = SHINGLE) -> set[bytes]:
    """The character ``size``-grams of a normalised text (one whole short text otherwise)."""
    if len(normal) <= size:
        return {normal.encode()} if normal else set()
    return {normal[i : i + size].encode() for i in range(len(normal) - size + 1)}


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def groups(
    posts: Sequence[Post], *, threshold: float = THRESHOLD, num_perm: int = NUM_PERM
) -> list[list[int]]:
    """The indices of ``posts`` that say the same thing, in groups (singletons included)."""
    from datasketch import MinHash, MinHashLSH  # numpy: only when clustering runs

    union = _Union(len(posts))
    by_text: dict[str, int] = {}
    by_link: dict[str, int] = {}
    unique: list[tuple[int, str]] = []
    for i, post in enumerate(posts):
        normal = normalise(post.text)
        if normal in by_text:
            union.join(by_text[normal], i)
        else:
            by_text[normal] = i
            unique.append((i, normal))
        for link in links(post.text):
            if link in by_link:
                union.join(by_link[link], i)
            else:
                by_link[link] = i
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sets = [shingles(normal) for _, normal in unique]
    usable = [(i, s) for (i, _), s in zip(unique, sets, strict=True) if len(s) >= 2]
    signatures = MinHash.bulk([s for _, s in usable], num_perm=num_perm)
    signed: dict[int, MinHash] = {}
    for (i, _), signature in zip(usable, signatures, strict=True):
        for other in lsh.query(signature):
            # LSH proposes candidates near the threshold too: keep those whose estimated
            # Jaccard similarity reaches it, so groups do not chain through loose pairs
            if signature.jaccard(signed[other]) >= threshold:
                union.join(other, i)
        signed[i] = signature
        lsh.insert(i, signature)
    found: dict[int, list[int]] = {}
    for i in range(len(posts)):
        found.setdefault(union.find(i), []).append(i)
    return list(found.values())


def clusters(
    posts: Sequence[Post],
    *,
    now: datetime,
    min_size: int = MIN_SIZE,
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
) -> list[Cluster]:
    """The clusters of at least ``min_size`` posts, largest first, each summed up
    (``now``: the end of the "last hour" its growth is counted over)."""
    found = [
        describe([posts[i] for i in members], now=now)
        for members in groups(posts, threshold=threshold, num_perm=num_perm)
        if len(members) >= min_size
    ]
    found.sort(key=lambda c: (-c.size, c.id))
    return found


def describe(members: Iterable[Post], *, now: datetime, top: int = 5) -> Cluster:
    """What a person needs to see of a group of posts."""
    posts = sorted(members, key=lambda p: (p.created_at, p.id))
    texts = Counter(normalise(p.text) for p in posts)
    best = max(texts.values())
    representative = next(p.text for p in posts if texts[normalise(p.text)] == best)
    words: Counter[str] = Counter()
    urls: Counter[str] = Counter()
    for post in posts:
        found = {w for w in _WORD.findall(normalise(post.text)) if w not in STOPWORDS}
        words.update(found)
        urls.update(set(links(post.text)))
    authors = Counter(p.author.casefold() for p in posts)
    languages = Counter(p.language or "?" for p in posts)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    hour = timedelta(hours=1)
    times = [
        p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=UTC) for p in posts
    ]
    return Cluster(
        id=min(p.id for p in posts),
        size=len(posts),
        mention_ids=tuple(sorted(p.id for p in posts)),
        representative=representative,
        top_words=_top(words, top),
        top_links=_top(urls, top),
        languages=tuple(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        authors=len(authors),
        top_authors=_top(authors, top),
        first_seen=min(times),
        last_seen=max(times),
        last_hour=sum(1 for t in times if now - hour < t <= now),
        hour_before=sum(1 for t in times if now - 2 * hour < t <= now - hour),
    )


def _top(counts: Counter[str], top: int) -> tuple[tuple[str, int], ...]:
    """The ``top`` most frequent, ties in alphabetical order (the same on every desk)."""
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
