"""Quoted earlier messages cut from a reply, for display only (the whole body is the record).

Cut at the first quote header — English ``On <date>, <name> wrote:``, French ``Le <date>, <nom> a
écrit :``, Outlook's ``-----Original Message-----`` / ``Message d'origine`` separators, and an
Outlook header block (``From:``/``De :`` followed within a few lines by ``Sent:``/``Envoyé :`` or
``Date :``) — then drop the ``>``-quoted lines left at the end. Quotes interleaved with answers
(inline replies) are kept. When cutting would leave nothing, the text is kept whole.
"""

from __future__ import annotations

import re

_WROTE = re.compile(
    r"^\s*(?:On\b.{0,300}\bwrote|Le\b.{0,300}\ba\s+écrit|El\b.{0,300}\bescribió)\s*:\s*$",
    re.IGNORECASE,
)
_WROTE_START = re.compile(r"^\s*(?:On|Le)\s+\S", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Message d'origine|Message original|"
    r"Forwarded message|Message transféré|Courriel original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FROM = re.compile(r"^\s*\*?(?:From|De)\s*\*?\s*:\s*\S", re.IGNORECASE)
_SENT = re.compile(r"^\s*\*?(?:Sent|Envoyé|Date|To|À|Subject|Objet)\s*\*?\s*:\s*", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
OUTLOOK_WINDOW = 4  # lines after From:/De : where Sent:/Envoyé : must appear


def strip_quoted(text: str) -> str:
    """``text`` without the quoted earlier messages at its end (see the module doc)."""
    if not text:
        return ""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _quote_header(lines)
    kept = lines[:cut] if cut is not None else lines
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()


def _quote_header(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _WROTE.match(line) or _SEPARATOR.match(line):
            return index
        if _WROTE_START.match(line) and index + 1 < len(lines):
            joined = f"{line.strip()} {lines[index + 1].strip()}"  # a header wrapped in two
            if len(joined) < 400 and _WROTE.match(joined):
                return index
        if _FROM.match(line):
            window = lines[index + 1 : index + 1 + OUTLOOK_WINDOW]
            if any(_SENT.match(other) for other in window):
                above = index - 1 if index and _UNDERSCORES.match(lines[index - 1]) else index
                return above
    return None
