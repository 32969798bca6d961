"""How well each library answer matches what a mention says: BM25 over the answer's title, text
and tags, in the answer's language.

Words are cut at letters and digits (``l'eau`` -> ``l``, ``eau``), the French or English stop
words dropped, the rest stemmed in the answer's language (Snowball, PyStemmer), then folded
(case, accents; desk.triage.words.fold) and cut to their first ``PREFIX`` letters, so that
"contaminée", "contaminee" and "contamination" are one term, and so are "déneigée" and
"déneigement". The stemmer sees the accents before they are folded (French stemming needs them);
a French stem that still ends in "e" after folding loses it, as people often type no accents
("contaminee" stems to "contamine", "contaminée" to "contamin").

Scoring is bm25s's (Lucene's BM25 formula over a sparse matrix): one index per language, built
from the answers given, so a library edit counts at once. A mention whose language is unknown is
scored against each language's answers in that language's words. Mention text is untrusted:
only its first ``MAX_CHARS`` characters and ``MAX_TERMS`` distinct terms count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Protocol

import Stemmer

from desk.triage.words import fold

PREFIX = 6
MAX_CHARS = 4_000
MAX_TERMS = 200
CRISIS_TAG = "crisis"
"""The tag of the answers put first while a crisis is declared (not itself a search term)."""

_WORD = re.compile(r"\w+")
_VARIABLE = re.compile(r"\{\w+\}")  # {author}, {link}...: not what the answer is about
_STEMMERS = {"fr": "french", "en": "english"}


class Matchable(Protocol):
    """What relevance reads of an answer (an Answer row or an AnswerView)."""

    @property
    def language(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS.get(language, "english"))


@cache
def _stop_words(language: str) -> frozenset[str]:
    from bm25s import stopwords  # bm25s loads numpy: only once something is ranked

    words = stopwords.STOPWORDS_FRENCH if language == "fr" else stopwords.STOPWORDS_EN_PLUS
    return frozenset(fold(w) for w in words)


def terms(text: str, language: str) -> list[str]:
    """The search terms of ``text`` read as ``language`` (``fr`` or ``en``), in order."""
    stop = _stop_words(language)
    words = [w for w in _WORD.findall(text[:MAX_CHARS].casefold()) if fold(w) not in stop]
    stems = (fold(s) for s in _stemmer(language).stemWords(words))
    if language == "fr":  # typed without accents: "contaminee" stems to "contamine"
        stems = (s.rstrip("e") if len(s) > 4 else s for s in stems)
    return [t for t in (s[:PREFIX] for s in stems) if len(t) > 1 or t.isdigit()]


def document(answer: Matchable, tags: Sequence[str]) -> str:
    """The text an answer is found by: title, body without its variables, and tags."""
    words = [t for t in tags if fold(t) != CRISIS_TAG]
    return " ".join([answer.title, _VARIABLE.sub(" ", answer.body), *words])


@lru_cache(maxsize=4096)
def _document_terms(text: str, language: str) -> tuple[str, ...]:
    """An answer's terms, kept between rankings (keyed on its text: an edit is a new entry)."""
    return tuple(terms(text, language))


def scores(text: str, answers: Sequence[Matchable], tags: Sequence[Sequence[str]]) -> list[float]:
    """The BM25 score of each answer (``tags[i]`` being answer i's tags) for ``text``; 0 when
    they share no term."""
    import bm25s  # numpy: only once something is ranked

    out = [0.0] * len(answers)
    for language in sorted({a.language for a in answers}):
        members = [i for i, a in enumerate(answers) if a.language == language]
        corpus = [list(_document_terms(document(answers[i], tags[i]), language)) for i in members]
        if not any(corpus):  # bm25s cannot index a corpus without a single term
            continue
        index = bm25s.BM25()
        index.index(corpus, show_progress=False)
        known = index.vocab_dict
        query = [t for t in dict.fromkeys(terms(text, language)) if t in known][:MAX_TERMS]
        if not query:
            continue
        for i, score in zip(members, index.get_scores(query), strict=True):
            out[i] = float(score)
    return out
