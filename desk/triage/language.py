"""Language detection, offline, with lingua (accurate on short texts; models ship in the wheel).

The detector knows French, English and the other languages a Canadian or French desk meets most;
anything not French or English is reported as ``"other"``. Platforms also declare a language
(often the poster's app setting, not the post's): the declared one is kept unless the detector
is confident it is wrong, and very short texts ("ok", "merci!") keep the declared language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

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


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
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
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _bucket(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower()[:2]
    return code if code in KNOWN else "other"


def detect(text: str, declared: str | None = None) -> Detected:
    """The language of ``text``; ``declared`` is what the platform said (may be None)."""
    claimed = _bucket(declared)
    sample = text[:MAX_CHARS]
    letters = sum(ch.isalpha() for ch in sample)
    if letters < MIN_LETTERS:
        if claimed:
            return Detected(claimed, "declared")
        if letters == 0:
            return Detected("other", "unknown")
    values = _detector().compute_language_confidence_values(sample)
    if not values:
        return Detected(claimed or "other", "declared" if claimed else "unknown")
    best = values[0]
    code = _bucket(best.language.iso_code_639_1.name) or "other"
    confidence = round(best.value, 3)
    if claimed is None:
        return Detected(code, "detected", confidence)
    if code == claimed:
        return Detected(code, "declared+detected", confidence)
    if confidence >= CONFIDENT and letters >= MIN_LETTERS:
        return Detected(code, "detected", confidence)
    return Detected(claimed, "declared", confidence)
