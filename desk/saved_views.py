"""Saved views: a name and a filter line (desk.search patterns), counted for the queue's header.

Three kinds, listed in this order:

- built in: ``mine`` (``~a ME``), ``urgent`` (``~p urgent``), ``waiting`` for approval (``~A``)
  and ``unassigned`` (``~a -``), named in the reader's language (``views.builtin.*``);
- the team's, from desk.toml's ``[[view]]`` tables (name + filter);
- a person's own, saved from the queue (``+``) or ``desk views --save``. They live in the
  person's config folder (``views.toml`` beside a per-user desk.toml, one ``[[view]]`` per
  entry with the desk person's ``person`` name): a personal shortcut, not a record of the
  desk, so no migration and no audit event. Two desk people sharing one OS account each see
  their own.

A view's line is read when it is used: a wrong one (a team's typo) is said with the view's name
beside the others' counts, never stops the desk. Counting is one ``count`` per view, all in one
read transaction (benchmarks/bench_views.py measures it).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from desk.clock import Clock
from desk.config import DeskConfig, ViewConfig
from desk.db.store import QueueFilter
from desk.errors import ConfigError, DeskError, InputError, NotFound, Said
from desk.files import default_config_dir, loads_toml, read_limited
from desk.i18n import Catalog
from desk.queries import Queries
from desk.search import parse
from desk.views import StaffView

__all__ = ["BUILTIN", "SavedView", "ViewCount", "ViewService"]

BUILTIN: dict[str, str] = {
    "mine": "~a {me}",
    "urgent": "~p urgent",
    "waiting": "~A",
    "unassigned": "~a -",
}
"""The built-in views and their lines (``{me}``: the person at the keyboard)."""

MAX_PERSONAL = 50  # views one person may save
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class SavedView:
    """One view: ``key`` names it on the command line (a built-in's English key, else its
    name); ``name`` as shown; ``line`` its filter; ``source``: builtin, team or personal."""

    key: str
    name: str
    line: str
    source: str

    def to_json(self) -> dict[str, str]:
        """The view as plain data."""
        return {"key": self.key, "name": self.name, "filter": self.line, "source": self.source}


@dataclass(frozen=True)
class ViewCount:
    """A view and how many mentions it holds now; ``error`` when its line is wrong (then
    ``count`` is None)."""

    view: SavedView
    count: int | None
    error: DeskError | None = None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _called(view: SavedView, name: str) -> bool:
    """Whether ``name`` names ``view`` (a built-in also by its name in either language)."""
    names = {view.key, view.name}
    if view.source == "builtin":
        names |= {Catalog(lang).t(f"views.builtin.{view.key}") for lang in ("fr", "en")}
    return _fold(name) in {_fold(n) for n in names}


@dataclass(kw_only=True)
class ViewService:
    """The views one person sees, their filters and counts; saving their own."""

    queries: Queries
    config: DeskConfig
    me: StaffView
    clock: Clock
    catalog: Catalog
    personal_path: Path | None = None  # default: views.toml in the user's config folder

    @property
    def path(self) -> Path:
        """Where this person's own views are kept."""
        return self.personal_path or default_config_dir() / "views.toml"

    # -- listing -----------------------------------------------------------------------------
    def views(self, catalog: Catalog | None = None) -> list[SavedView]:
        """Built-in (named in ``catalog``'s language, default the desk's), then the team's,
        then this person's own."""
        words = catalog or self.catalog
        found = [
            SavedView(key, words.t(f"views.builtin.{key}"), line.format(me=self.me.name), "builtin")
            for key, line in BUILTIN.items()
        ]
        found += [SavedView(v.name, v.name, v.filter, "team") for v in self.config.view]
        found += [SavedView(v.name, v.name, v.filter, "personal") for v in self._personal()]
        return found

    def find(self, name: str) -> SavedView:
        """The view called ``name`` (a built-in also by its name in either language; case and
        accents ignored); NotFound listing the views otherwise."""
        views = self.views()
        for view in views:
            if _called(view, name):
                return view
        raise NotFound.from_catalog(
            "view_unknown", name=name, names=", ".join(v.name for v in views)
        )

    def queue_filter(self, view: SavedView) -> QueueFilter:
        """The QueueFilter the view's line asks for (open mentions unless it says otherwise);
        InputError naming the view when the line is wrong."""
        base = QueueFilter(view="open", me=self.me.name)
        try:
            parsed = parse(
                view.line,
                now=self.clock(),
                tz=self.config.hours.calendar().tz,
                catalogs=[Catalog("fr"), Catalog("en")],
            )
        except InputError as exc:
            raise InputError.from_catalog(
                "view_line", name=view.name, problem=Said(exc), hint=Said(exc, hint=True)
            ) from exc
        return replace(base, **parsed.filter_fields())

    def counts(self, catalog: Catalog | None = None) -> list[ViewCount]:
        """Every view with its count now: one count per view, in one read transaction
        (built-ins named as ``views`` names them)."""
        views = self.views(catalog)
        filters: list[QueueFilter | None] = []
        errors: list[DeskError | None] = []
        for view in views:
            try:
                filters.append(self.queue_filter(view))
                errors.append(None)
            except DeskError as exc:
                filters.append(None)
                errors.append(exc)
        counts = self.queries.counts([f for f in filters if f is not None])
        it = iter(counts)
        return [
            ViewCount(view, None if flt is None else next(it), error)
            for view, flt, error in zip(views, filters, errors, strict=True)
        ]

    # -- this person's own -------------------------------------------------------------------
    def save(self, name: str, line: str) -> SavedView:
        """Save ``line`` as this person's view ``name`` (replacing their own of that name).
        InputError when the name is taken by a built-in or team view, or the line is wrong."""
        try:
            entry = ViewConfig(name=name.strip(), filter=line.strip())
        except ValueError:
            raise InputError.from_catalog("view_bad_name", name=name) from None
        view = SavedView(entry.name, entry.name, entry.filter, "personal")
        self.queue_filter(view)  # a wrong line is said now, not at every count
        if any(v.source != "personal" and _called(v, entry.name) for v in self.views()):
            raise InputError.from_catalog("view_taken", name=entry.name)
        others = [v for v in self._personal() if _fold(v.name) != _fold(entry.name)]
        if len(others) >= MAX_PERSONAL:
            raise InputError.from_catalog("view_too_many", limit=MAX_PERSONAL)
        self._write([*others, entry])
        return view

    def delete(self, name: str) -> None:
        """Forget this person's own view ``name`` (NotFound when they have none of that name)."""
        mine = self._personal()
        kept = [v for v in mine if _fold(v.name) != _fold(name)]
        if len(kept) == len(mine):
            raise NotFound.from_catalog(
                "view_not_personal", name=name, names=", ".join(v.name for v in mine) or "—"
            )
        self._write(kept)

    def _entries(self) -> list[dict[str, object]]:
        """Every entry of the file (every person's), as written."""
        try:
            data = read_limited(self.path, MAX_FILE_BYTES)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ConfigError.from_catalog(
                "file_unreadable", path=str(self.path), reason=exc.strerror or str(exc)
            ) from exc
        try:
            raw = loads_toml(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError.from_catalog(
                "views_file_invalid", path=str(self.path), detail=str(exc)
            ) from exc
        entries = raw.get("view", [])
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def _personal(self) -> list[ViewConfig]:
        """This person's views; an entry that is not a valid view is left out."""
        found = []
        for entry in self._entries():
            if entry.get("person") != self.me.name:
                continue
            try:
                found.append(ViewConfig(name=entry.get("name"), filter=entry.get("filter")))
            except ValueError:
                continue
        return found

    def _write(self, mine: list[ViewConfig]) -> None:
        """The file with this person's views replaced by ``mine`` (others' kept), written
        whole then renamed over the old one, readable by its owner only."""
        import tomlkit

        others = [e for e in self._entries() if e.get("person") != self.me.name]
        doc = tomlkit.document()
        doc.add(tomlkit.comment("desk: each person's saved views of the queue (desk views)"))
        table = tomlkit.aot()
        for entry in [
            *others,
            *({"person": self.me.name, "name": v.name, "filter": v.filter} for v in mine),
        ]:
            table.append(tomlkit.item(entry))
        doc["view"] = table
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".views-", suffix=".toml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(tomlkit.dumps(doc))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
