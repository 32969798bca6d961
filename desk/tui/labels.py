"""Interface labels in the current language, including the Footer's key descriptions.

Bindings are declared with catalog keys as descriptions (``"tui.keys.assign"``). ``translate_bindings``
gives a node its own copy of its bindings with those keys looked up in the current catalog, so the
Footer, the key panel and the command palette follow the ``L`` language switch at runtime.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from desk.i18n import Catalog
from desk.vocabulary import PRIORITY_NAMES

_SOURCE_ATTR = "_desk_untranslated_bindings"


def _label(catalog: Catalog, text: str) -> str:
    if text.startswith("tui."):
        return catalog.t(text)
    # Textual's own bindings carry English text; translate the ones the catalog knows.
    key = f"tui.textual.{text}"
    label = catalog.t(key)
    return text if label == key else label


def _translated(binding: Binding, catalog: Catalog) -> Binding:
    group = binding.group
    if group is not None:
        group = Binding.Group(_label(catalog, group.description), compact=group.compact)
    return replace(binding, description=_label(catalog, binding.description), group=group)


def translate_bindings(node: DOMNode, catalog: Catalog) -> None:
    """Replace the node's bindings with copies whose descriptions are in ``catalog``'s language."""
    source: BindingsMap | None = getattr(node, _SOURCE_ATTR, None)
    if source is None:
        source = node._bindings.copy()
        setattr(node, _SOURCE_ATTR, source)
    keys = {
        key: [_translated(b, catalog) for b in bindings]
        for key, bindings in source.key_to_bindings.items()
    }
    node._bindings = BindingsMap.from_keys(keys)


def priority_label(catalog: Catalog, priority: int) -> str:
    """``urgent``/``urgent``, ``high``/``haute``... for a stored priority number."""
    name = PRIORITY_NAMES.get(priority, str(priority))
    return catalog.t(f"tui.priority.{name}")


def category_label(catalog: Catalog, category: str | None) -> str:
    """A category name in the interface language (unknown values are shown as stored)."""
    if not category:
        return ""
    key = f"tui.category.{category}"
    label = catalog.t(key)
    return category if label == key else label


def status_label(catalog: Catalog, status: str) -> str:
    """A mention or reply status in the interface language."""
    key = f"tui.status.{status}"
    label = catalog.t(key)
    return status if label == key else label


def kind_label(catalog: Catalog, kind: str) -> str:
    """A mention kind (mention, reply, quote, keyword, news) in the interface language."""
    key = f"tui.kind.{kind}"
    label = catalog.t(key)
    return kind if label == key else label


def age(
    created_at: datetime, now: datetime, catalog: Catalog | None = None, *, short: bool = False
) -> str:
    """Compact age: ``now``, ``5m``, ``3h``, ``2d``, ``7w``, ``2y``; with a ``catalog``, in its
    language and typography (``5 min``, ``22 j`` in French); ``short``: at most 6 cells, for
    the queue's column (``tui.age_short``)."""
    seconds = int((now - created_at).total_seconds())
    if seconds < 60:
        count, unit = (0, "m") if seconds >= 0 else (None, "")
    else:
        count, unit = 0, "m"
        for name, size in (
            ("y", 365 * 86400),
            ("w", 7 * 86400),
            ("d", 86400),
            ("h", 3600),
            ("m", 60),
        ):
            if name in "yw" and seconds < size * (2 if name == "y" else 10):
                continue
            if seconds >= size:
                count, unit = seconds // size, name
                break
    if count is None:
        return "—"
    if catalog is None:
        return f"{count}{unit}"
    return catalog.t(f"tui.{'age_short' if short else 'age'}.{unit}", n=count)


def when(moment: datetime | None, tz: tzinfo) -> str:
    """A timestamp in the desk's time zone ``tz``, ``2024-05-01 14:03``."""
    if moment is None:
        return "—"
    try:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError, OSError):  # a date at the edge of the calendar
        return moment.strftime("%Y-%m-%d %H:%M UTC")


def zone_name(tz: tzinfo, at: datetime) -> str:
    """The zone's abbreviation at ``at`` (``EST``, ``UTC``), to label local times once."""
    try:
        return at.astimezone(tz).tzname() or str(tz)
    except (OverflowError, ValueError, OSError):
        return str(tz)


def plural(catalog: Catalog, key: str, n: int, **values: object) -> str:
    """``key`` for ``n`` things: ``key_one`` when the language says one (French: 0 and 1,
    English: 1), else ``key``; ``n`` is passed as ``n``."""
    one = n in (0, 1) if catalog.language == "fr" else n == 1
    return catalog.t(f"{key}_one" if one else key, n=n, **values)


def reason_label(catalog: Catalog, reason: str) -> str:
    """Why a reply waits for approval (``category:rumour``) in the interface language."""
    kind, _, value = reason.partition(":")
    text = catalog.t(f"tui.reason.{kind}", value=value)
    return reason if text == f"tui.reason.{kind}" else text


def elide(catalog: Catalog, text: str) -> str:
    """French elision where a name was put after ``de``: ``Réponse de Amélie`` becomes
    ``Réponse d'Amélie`` (the catalog's own words are already written elided)."""
    return catalog.elide(text)
