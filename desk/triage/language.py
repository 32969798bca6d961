"""Language detection, offline: a cascade of function words, then lingua.

The detector knows French, English and the other languages a Canadian or French desk meets most;
anything not French or English is reported as ``"other"``. Platforms also declare a language
(often the poster's app setting, not the post's): the declared one is kept unless the detector
is confident it is wrong, and very short texts ("ok", "merci!") keep the declared language.

Cascade (issue 16: lingua, ~3k texts/s per core, was most of an import's time): a text whose
words include at least ``MARKERS_NEEDED`` function words that only French (or only English) uses
among the languages desk knows — "vous", "dans", "pourquoi"; "the", "with", "please" — and none
of the other's, in Latin script, and that agrees with the declared language when one is
declared, is decided at once (source "detected", confidence 1.0 or "declared+detected"). Every
other text — mixed, short, another script, a disagreement with the declared language — goes to
lingua as before. Words shared with Spanish, Portuguese, Italian, German, Dutch or Polish
("de", "la", "que", "je", "du", "in", "is", "was", "my"...) are not markers, so a text in those
languages never reaches the shortcut. ``benchmarks/bench_language.py`` measures the speed and
the agreement with lingua alone; tests/unit/triage/test_language_cascade.py holds the accuracy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from desk.text.length import without_surrogates

if TYPE_CHECKING:  # lingua loads its models lazily; importing it is cheap but keep it local
    from lingua import LanguageDetector

KNOWN = ("fr", "en")
CONFIDENT = 0.6  # detector's confidence needed to overrule a declared language
MIN_LETTERS = 12  # below this, a text is too short to judge
MAX_CHARS = 2000  # enough to decide; a gigantic post is not read whole


@dataclass(frozen=True, slots=True)
class Detected:
    """A language code ("fr", "en" or "other"), where it came from, and the confidence."""

    code: str
    source: str  # "detected", "declared", "declared+detected", "unknown"
    confidence: float = 0.0


FRENCH_MARKERS = frozenset(
    "et est une pour dans avec vous nous sont cette aux au ils elle elles leur leurs être été "
    "ça où pourquoi quand merci bonjour aussi déjà avez sommes êtes notre votre ces cet "
    "très peut faut aujourd hui c qu j depuis encore avoir fait rien toujours chez parce "
    "alors beaucoup quelqu quelque tout tous toute toutes moi toi lui ceux sans sous avons "
    "faire suis était sera serait ont vont peux veux pouvez quoi".split()
)
"""Words (and the elided forms c', qu', j') that French uses and none of the other
languages desk detects does — as whole words."""
ENGLISH_MARKERS = frozenset(
    "the and are you for with this that it what when why how there their they your our "
    "please thanks thank does been not would should could from about just still have has "
    "can were which who any some because if but all she them yes today tomorrow again "
    "anyone know need did isn aren doesn".split()
)
"""Words English uses and none of the other languages desk detects does, as whole words."""
MARKERS_NEEDED = 3
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]")


def by_words(sample: str) -> str | None:
    """``"fr"`` or ``"en"`` when the function words leave no doubt (see the module doc), else
    None (lingua decides)."""
    words = _WORDS.findall(sample.lower())
    if len(words) < MARKERS_NEEDED:
        return None
    letters = sum(len(w) for w in words)
    if len(_LATIN.findall(sample)) < 0.9 * letters:  # another script, in part: lingua
        return None
    french = sum(w in FRENCH_MARKERS for w in words)
    english = sum(w in ENGLISH_MARKERS for w in words)
    if french >= MARKERS_NEEDED and english == 0:
        return "fr"
    if english >= MARKERS_NEEDED and french == 0:
        return "en"
    return None


SHORT = 120  # lingua's own advice: its fast mode is for texts longer than this


@lru_cache(maxsize=2)
def _detector(fast: bool = False) -> LanguageDetector:
    """The detector; ``fast`` (trigrams only, ~3x faster) for texts longer than SHORT."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.FRENCH,
        Language.ENGLISH,
        Language.SPANISH,
        Language.PORTUGUESE,
        Language.ITALIAN,
        Language.GERMAN,
        Language.DUTCH,
        Language.ARABIC,
        Language.CHINESE,
        Language.VIETNAMESE,
        Language.TAGALOG,
        Language.RUSSIAN,
        Language.UKRAINIAN,
        Language.POLISH,
        Language.PERSIAN,
        Language.HINDI,
    ]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return builder.with_low_accuracy_mode().build() if fast else builder.build()


def _bucket(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower()[:2]
    return code if code in KNOWN else "other"


def detect(text: str, declared: str | None = None) -> Detected:
    """The language of ``text``; ``declared`` is what the platform said (may be None)."""
    return detect_many([(text, declared)])[0]


def detect_many(items: list[tuple[str, str | None]], *, cascade: bool = True) -> list[Detected]:
    """``detect`` for many texts at once; lingua spreads the work over every core.
    ``cascade=False`` sends every text to lingua (the baseline the cascade is measured by)."""
    results: list[Detected | None] = [None] * len(items)
    pending: dict[bool, list[int]] = {False: [], True: []}
    samples: list[str] = []
    for index, (text, declared) in enumerate(items):
        # a lone surrogate (a JSON "\ud800" escape) is no character lingua can take
        sample = without_surrogates(text[:MAX_CHARS])
        samples.append(sample)
        letters = sum(ch.isalpha() for ch in sample)
        claimed = _bucket(declared)
        if letters < MIN_LETTERS and claimed:
            results[index] = Detected(claimed, "declared")
        elif letters == 0:
            results[index] = Detected("other", "unknown")
        elif cascade and (quick := by_words(sample)) and claimed in (None, quick):
            results[index] = Detected(quick, "declared+detected" if claimed else "detected", 1.0)
        else:
            pending[len(sample) > SHORT].append(index)
    for fast, indexes in pending.items():
        if not indexes:
            continue
        detector = _detector(fast)
        texts = [samples[i] for i in indexes]
        if len(texts) == 1:
            batches = [detector.compute_language_confidence_values(texts[0])]
        else:
            batches = detector.compute_language_confidence_values_in_parallel(texts)
        for index, values in zip(indexes, batches, strict=True):
            results[index] = _decide(values, _bucket(items[index][1]))
    return [r if r is not None else Detected("other", "unknown") for r in results]


def _decide(values: list, claimed: str | None) -> Detected:
    if not values:
        return Detected(claimed or "other", "declared" if claimed else "unknown")
    best = values[0]
    code = _bucket(best.language.iso_code_639_1.name) or "other"
    confidence = round(best.value, 3)
    if claimed is None:
        return Detected(code, "detected", confidence)
    if code == claimed:
        return Detected(code, "declared+detected", confidence)
    if confidence >= CONFIDENT:
        return Detected(code, "detected", confidence)
    return Detected(claimed, "declared", confidence)
