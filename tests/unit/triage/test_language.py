"""Language detection: offline (lingua), French and English, everything else "other", and the
platform's declared language kept when the text is too short or the detector unsure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from desk.triage.language import detect, detect_many

if TYPE_CHECKING:
    from lingua import ConfidenceValue


@pytest.mark.parametrize(
    ("text", "declared", "code", "source"),
    [
        ("Est-ce que la collecte passe demain sur ma rue?", None, "fr", "detected"),
        ("pis la, quand est-ce qu'ils vont déneiger icitte", None, "fr", "detected"),
        ("When is the next garbage pickup on Elm street?", None, "en", "detected"),
        ("¿Cuándo abre la piscina municipal este verano?", None, "other", "detected"),
        ("متى تفتح المكتبة العامة يوم السبت؟", None, "other", "detected"),
        ("Est-ce que la collecte passe demain sur ma rue?", "en", "fr", "detected"),  # overruled
        ("When is the next garbage pickup on Elm street?", "en", "en", "declared+detected"),
        ("merci!", "fr", "fr", "declared"),  # too short to judge: the platform's word
        ("ok", "en", "en", "declared"),
        ("🎉🎉🎉", None, "other", "unknown"),
        ("", "fr", "fr", "declared"),
        ("Merci", "es", "other", "declared"),  # any declared code outside fr/en is "other"
    ],
)
def test_detect(text: str, declared: str | None, code: str, source: str) -> None:
    found = detect(text, declared)
    assert (found.code, found.source) == (code, source)


def test_detect_many_matches_detect_one_by_one() -> None:
    items = [
        ("Bonjour, la piscine est-elle ouverte aujourd'hui?", None),
        ("Is the pool open today? My kids want to go swimming", None),
        ("ok", "fr"),
        ("Il paraît que l'eau est contaminée dans le secteur nord " * 5, "en"),
    ]
    assert detect_many(items) == [detect(t, d) for t, d in items]


def test_a_gigantic_text_is_judged_on_its_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the first MAX_CHARS characters reach the detectors, whatever the post's size."""
    from desk.triage import language

    seen: list[int] = []
    real = language._detector

    class Spy:
        def __init__(self, fast: bool) -> None:
            self.inner = real(fast)

        def compute_language_confidence_values(self, text: str) -> list[ConfidenceValue]:
            seen.append(len(text))
            return self.inner.compute_language_confidence_values(text)

    words: list[int] = []
    real_words = language.by_words

    def spy_words(sample: str) -> str | None:
        words.append(len(sample))
        return real_words(sample)

    monkeypatch.setattr(language, "_detector", Spy)
    monkeypatch.setattr(language, "by_words", spy_words)
    text = "Le déneigement de ma rue est encore en retard. " * 200_000  # ~9 MB
    assert detect(text).code == "fr"  # the function words decide: lingua is not asked
    assert (words, seen) == ([language.MAX_CHARS], [])
    mixed = "Le déneigement de the street est encore late. " * 200_000
    detect(mixed, "fr")  # both languages' function words: lingua decides, on the start only
    assert seen == [language.MAX_CHARS]
