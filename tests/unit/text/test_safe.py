"""desk.text.safe: untrusted text never reaches the terminal raw."""

from __future__ import annotations

from desk.text.safe import clean


def test_clean_neutralises_controls_and_bidi() -> None:
    hostile = "a\x1b]52;c;SGVsbG8=\x07b\x1b[2J\u202ec\u2066d\x9be\x7f"
    out = clean(hostile)
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "\u2066" not in out
    assert "\x9b" not in out
    assert "\x7f" not in out
    assert out.startswith("a␛]52;c;SGVsbG8=␇b")
    assert clean("[bold]x[/") == "[bold]x[/"  # markup is the TUI's concern: literal here
    assert clean("l1\nl2", one_line=True) == "l1 l2"
    assert clean("x" * 50, max_len=10) == "x" * 9 + "…"
