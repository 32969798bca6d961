"""The one sanitising function for untrusted text on its way to a terminal (TUI or CLI).

Platform text is kept verbatim as the record; only what is *shown* is cleaned:
- C0 controls (except newline and tab), DEL and C1 controls become visible control pictures or
  U+FFFD, so ESC sequences (OSC 52 clipboard writes, CSI screen erases, window titles) never reach
  the terminal;
- bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) become U+FFFD, so text cannot
  be visually reordered;
- optionally the text is cut to a length, and newlines folded for one-line cells.
Markup is not this module's concern: the TUI wraps the result in literal ``Content``/``Text``
(see desk/tui/safe.py), never in a markup string.
"""

from __future__ import annotations

import re

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL...
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def clean(text: str | None, *, max_len: int | None = None, one_line: bool = False) -> str:
    """Untrusted text made safe for a terminal: no controls, no bidi overrides."""
    if not text:
        return ""
    if max_len is not None and len(text) > max_len:
        text = text[: max(0, max_len - 1)] + "…"
    text = text.replace("\r\n", "\n")
    if one_line:
        text = _NEWLINES.sub(" ", text)
    return _CONTROL.sub(_picture, text)
