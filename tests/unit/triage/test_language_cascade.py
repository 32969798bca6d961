"""The function-word shortcut before lingua (issue 16): as accurate as lingua alone on the
labelled French/English set, never claims a text in another language, and decides most clear
texts by itself (otherwise it would not speed anything up)."""

from __future__ import annotations

import json
from pathlib import Path

from desk.triage.language import by_words, detect_many

DATA = Path(__file__).resolve().parents[2] / "data"


def _labelled() -> list[tuple[str, str]]:
    rows = []
    for path in [*sorted((DATA / "triage_eval").glob("*.jsonl")), DATA / "language/other.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                code = row["lang"] if row["lang"] in ("fr", "en") else "other"
                rows.append((row["text"], code))
    return rows


def test_the_cascade_is_as_accurate_as_lingua_alone() -> None:
    rows = _labelled()
    items: list[tuple[str, str | None]] = [(text, None) for text, _ in rows]
    cascade = detect_many(items)
    alone = detect_many(items, cascade=False)
    right = sum(d.code == code for d, (_, code) in zip(cascade, rows, strict=True))
    right_alone = sum(d.code == code for d, (_, code) in zip(alone, rows, strict=True))
    assert len(rows) >= 480
    assert right >= right_alone
    assert right / len(rows) >= 0.97


def test_no_text_in_another_language_takes_the_shortcut() -> None:
    others = [text for text, code in _labelled() if code == "other"]
    assert len(others) == 30
    assert [t for t in others if by_words(t) is not None] == []


def test_the_shortcut_decides_most_plain_french_and_english() -> None:
    known = [(text, code) for text, code in _labelled() if code != "other"]
    decided = [(by_words(text), code) for text, code in known if by_words(text)]
    assert len(decided) >= 0.5 * len(known)
    assert all(found == code for found, code in decided)


def test_a_mixed_or_disagreeing_text_goes_to_lingua() -> None:
    assert by_words("Merci pour the update, vous êtes the best") is None  # both languages
    assert by_words("les les") is None  # too few words
    # The shortcut agrees with the declared language or stays out: lingua decides the rest.
    [found] = detect_many([("Est-ce que vous avez des nouvelles pour la piscine?", "en")])
    assert found.confidence < 1.0
    [found] = detect_many([("Est-ce que vous avez des nouvelles pour la piscine?", "fr")])
    assert (found.code, found.source, found.confidence) == ("fr", "declared+detected", 1.0)


def test_a_lone_surrogate_never_stops_detection() -> None:
    # JSON may carry "\ud800" escapes: Python keeps the lone surrogate, which lingua (Rust)
    # cannot take. The text is judged with the surrogate replaced; it is never an error.
    texts = [
        "x\ud800y ceci est un texte où les marqueurs manquent",
        "\ud800\udfff\ud800 Straße Ölpreis Fußgänger Übung Gemeinde",
        "Bonjour \udc80, la collecte des ordures est-elle reportée à demain dans le secteur?",
    ]
    found = detect_many([(text, None) for text in texts])
    assert [d.code for d in found] == ["fr", "other", "fr"]
    assert detect_many([(texts[0], "en")])[0].code in ("fr", "en")
