"""Turn the HTML found in payloads (Mastodon ``content``, feed summaries) into plain text.

Uses the standard library's ``html.parser`` only: it never fetches anything and never executes
anything. The output is the *record* text: markup is removed and entities decoded, but control
characters and look-alike markup (``[bold]``) are kept as they are; display sanitising happens
at render time, elsewhere.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_TEXT_CHARS = 100_000
"""Longest text kept for one field; longer text is truncated."""

MAX_HTML_CHARS = 10 * MAX_TEXT_CHARS
"""Longest HTML fed to the parser for one field (bounds the work on a hostile payload)."""

_PARAGRAPH_TAGS = frozenset(
    {"p", "blockquote", "pre", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_LINE_TAGS = frozenset({"div", "li", "tr", "hr", "section", "article", "header", "footer"})
_SKIPPED_TAGS = frozenset({"script", "style", "template"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_SPACE_AROUND_NEWLINE = re.compile(r"[ \t]*\n[ \t]*")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_MANY_SPACES = re.compile(r" {2,}")


def cap_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Return ``text`` cut to at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit]


class _TextExtractor(HTMLParser):
    """Collects visible text; block-level tags become line or paragraph breaks.

    Breaks from block tags are *pending* and merged (``</li><li>`` is one line break, not two);
    ``<br>`` is literal and repeats.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pending = 0
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, opening=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break_for(tag)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, opening=False)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        data = _HTML_SPACE.sub(" ", data)
        if data == " " and self._pending:
            return  # indentation between blocks
        self._emit(data)

    def _emit(self, text: str) -> None:
        if self._pending:
            self.parts.append("\n" * self._pending)
            self._pending = 0
        self.parts.append(text)

    def _tag(self, tag: str, *, opening: bool) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth + (1 if opening else -1))
        if tag != "br" or opening:  # "</br>" is not a second line break
            self._break_for(tag)

    def _break_for(self, tag: str) -> None:
        if tag == "br":
            self._emit("\n")
        elif tag in _PARAGRAPH_TAGS:
            self._pending = 2
        elif tag in _LINE_TAGS:
            self._pending = max(self._pending, 1)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment.

    ``<br>`` becomes a newline, paragraphs (``</p><p>``) a blank line, links keep their visible
    text (Mastodon's hidden ``https://`` spans included, so URLs come out whole), entities are
    decoded and no tag is left. The result is capped at ``MAX_TEXT_CHARS``.
    """
    parser = _TextExtractor()
    parser.feed(markup[:MAX_HTML_CHARS])
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", _MANY_SPACES.sub(" ", text))
    return cap_text(text.strip(" \n"))
