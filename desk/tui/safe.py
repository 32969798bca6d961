"""The one way untrusted text reaches the screen: literal ``Content`` (or Rich ``Text``).

Mention bodies, author names and handles, URLs, titles, triage reasons, reply bodies, audit data
and error messages all come from outside (or echo something that did). They pass through
``desk.text.safe.clean`` (no ESC/C1 controls, no bidi overrides) and are then wrapped as *literal*
text, never parsed as markup: ``[@click=app.quit()]`` stays visible characters and does nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from desk.text.safe import clean

__all__ = ["safe", "safe_str", "safe_text"]


def safe_str(text: object, *, max_len: int | None = None, one_line: bool = False) -> str:
    """Cleaned plain string, for APIs that take ``markup=False`` (e.g. ``App.notify``)."""
    value = clean(None if text is None else str(text), max_len=max_len, one_line=one_line)
    return value.replace("\t", " ") if one_line else value.expandtabs(4)


def safe(text: object, *, max_len: int | None = None, one_line: bool = False) -> Content:
    """Untrusted text as literal Textual ``Content`` (never markup)."""
    return Content(safe_str(text, max_len=max_len, one_line=one_line))


def safe_text(
    text: object, *, max_len: int | None = None, one_line: bool = False, style: str = ""
) -> Text:
    """Untrusted text as a literal Rich ``Text`` (for DataTable cells and other Rich renderables)."""
    return Text(
        safe_str(text, max_len=max_len, one_line=one_line), style=style, no_wrap=one_line, end=""
    )
