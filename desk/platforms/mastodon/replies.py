"""What Mastodon really receives for a reply: the author's ``@acct`` first.

No I/O: the composer counts this text against the instance's limit, and the client posts it.
"""

from __future__ import annotations

import re
from typing import Any

from desk.platforms.fields import opt_str

_HANDLE_GOES_ON = re.compile(r"[\w@-]|\.\w")  # "@ville.paris" is not "@ville" (but "@ville." is)


def status_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The Status inside a stored mention record: a notification's ``status``, or the record
    itself for a watch item (a bare Status)."""
    status = raw.get("status")
    return status if isinstance(status, dict) else raw


def posted_text(text: str, parent_raw: dict[str, Any], parent_author: str | None = None) -> str:
    """``text`` with the parent author's ``@acct`` first, unless it already starts with it.

    Mastodon notifies only the accounts mentioned in the text, and a ``direct`` reply is seen by
    them alone, so without the prefix the author would never see the answer. Count *this* text
    against the instance's limit (the composer can call this with the mention's stored record).
    """
    acct = _author_acct(parent_raw, parent_author)
    if not acct:
        return text
    mention = f"@{acct}"
    head = text.lstrip()
    if head[: len(mention)].casefold() == mention.casefold() and not _HANDLE_GOES_ON.match(
        head, len(mention)
    ):
        return text
    return f"{mention} {text}"


def _author_acct(parent_raw: dict[str, Any], parent_author: str | None) -> str | None:
    acct = opt_str(status_of(parent_raw), "account.acct") or opt_str(parent_raw, "account.acct")
    acct = (acct or parent_author or "").lstrip("@").strip()
    return acct if acct and not any(c.isspace() for c in acct) else None
