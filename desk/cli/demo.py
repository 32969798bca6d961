"""``desk demo``: build (or refresh) the demo database from the sample feeds, then open the desk.

The demo only ever touches its own files: its database (``demo.db`` in the user data folder, or
a new file named with ``--db``) carries the demo's mark (desk.db.marker), and any existing file
without it is refused, ``--fresh`` included; DESK_DB and DESK_CONFIG, which name the real desk,
are ignored, and ``--config`` is refused. The demo keeps its own copy of the sample desk.toml
beside its database (``demo-desk.toml``), so staff changes made in the demo never edit the
bundled sample; ``--fresh`` rebuilds both. You are the sample's first staff member (your OS
login is mapped to them); every demo person's passphrase is "demo" (``desk --as bruno demo``),
given through the audit trail like any other.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from desk.cli._parser import Commands
from desk.cli._shared import Invocation, file_progress, opened, plural, refused
from desk.cli.setup import ui
from desk.errors import ActionRefused, ConfigError, InputError

if TYPE_CHECKING:
    from desk.bootstrap import Desk
    from desk.channels.ingest import FileReport
    from desk.clock import Clock
from desk.files import default_data_dir

if TYPE_CHECKING:
    from desk.config import DeskConfig, Settings

PAYLOAD_SUFFIXES = {".json", ".xml", ".rss", ".atom"}
DEMO_PASSPHRASE = "demo"


def register(commands: Commands) -> None:
    """``demo``."""
    demo_ = commands.add("demo")
    demo_.add_argument("--no-ui", action="store_true", help=demo_.text("no_ui"))
    demo_.add_argument("--fresh", action="store_true", help=demo_.text("fresh"))
    demo_.add_argument(
        "--feeds", type=Path, metavar=demo_.metavar("folder"), help=demo_.text("feeds")
    )
    demo_.set_defaults(run=demo, needs_desk=False)


def bundled_feeds() -> Path:
    """The sample_feeds/ folder shipped beside the package (source checkout / editable install)."""
    return Path(__file__).resolve().parents[2] / "sample_feeds"


def payload_files(folder: Path) -> list[Path]:
    """The payload files of a folder, in name order."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PAYLOAD_SUFFIXES
    )


def demo_config(feeds: Path, db_path: Path, fresh: bool) -> Path:
    """The demo's own desk.toml beside its database, copied from the feeds folder when missing
    (or with ``fresh``): staff changes made in the demo never edit the bundled sample."""
    import tomlkit

    from desk.config import load_config, os_user
    from desk.config.editing import write_atomically

    copy = db_path.with_name(f"{db_path.stem}-desk.toml")
    if copy.is_symlink():  # it may point at a real desk.toml: the demo writes only its own file
        copy.unlink()
    if fresh or not copy.exists():
        source = feeds / "desk.toml"
        rules = load_config(source).rules_path()
        text = source.read_text(encoding="utf-8")
        doc = tomlkit.parse(text)
        if rules is not None:  # a rule file named relative to the sample must still be found
            doc["desk"]["rules"] = str(rules.resolve())
        staff = doc.get("staff")
        login = os_user()
        if staff and login:  # you are the first person: written here, as an admin would
            logins = staff[0].setdefault("os_users", tomlkit.array())
            if login not in logins:
                logins.append(login)
        write_atomically(copy, tomlkit.dumps(doc))
    return copy


def demo(run: Invocation, args: argparse.Namespace) -> int:
    """Build (or refresh) the demo database from the sample feeds, then open the desk."""
    from desk.config import Settings, load_config, os_user  # pydantic: once the command runs
    from desk.db.store import QueueFilter  # SQLModel: only once a command runs

    catalog = run.catalog
    feeds = args.feeds or bundled_feeds()
    if not feeds.is_dir():
        raise refused(catalog, "no_feeds", kind=ConfigError, path=feeds)
    from desk.db.marker import mark_demo  # desk.db loads SQLAlchemy: only once a command runs

    settings = run.settings
    db_path = demo_database(run, args)
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    if not db_path.exists():
        mark_demo(db_path)
    config_path = demo_config(feeds, db_path, args.fresh)
    config = load_config(config_path)
    if not config.staff:
        raise refused(catalog, "demo_no_staff", kind=ConfigError, path=config_path)
    demo_settings = Settings(db=str(db_path), config=config_path, lang=settings.lang)
    # In the demo you are its first staff member (your OS login is mapped to them in the demo's
    # desk.toml, demo_config); `desk --as NAME demo` asks for NAME's passphrase: "demo".
    login = os_user()
    if login and login not in config.staff[0].os_users:  # a demo-desk.toml from before
        config.staff[0].os_users.append(login)
    _give_passphrases(demo_settings, config, run)
    # The demo is alive on any day: its three weeks end just before the latest business day's
    # morning with the whole team on duty (built on a Sunday or a Monday: Friday 10:30), and arrive
    # as they would have then — routed to whoever was on duty, so every demo person has work, and
    # the 7- and 30-day reports fill.
    now = run.clock()
    moment = demo_moment(config, now)
    arrival_clock = _shifted(run.clock, moment - now)
    with opened(demo_settings, args.as_name, config, clock=arrival_clock) as desk:
        reports = ingest_rebased(desk, payload_files(feeds), moment)
        answers = feeds / "answers.toml"
        if answers.is_file() and desk.me.is_supervisor:
            desk.answers.import_file(answers)
    with opened(demo_settings, args.as_name, config, clock=run.clock) as desk:
        new = plural(catalog, "cli.count.new", sum(r.new for r in reports))
        total = plural(catalog, "cli.demo.total", desk.queries.count(QueueFilter(view="all")))
        me = desk.me
        print(
            catalog.t(
                "cli.demo.built",
                path=db_path,
                new=new,
                total=total,
                display_name=me.display_name,
                name=me.name,
            )
        )
        if args.no_ui:  # the one line that points the command line at the demo
            print(
                catalog.t(
                    "cli.demo.use",
                    db=shlex.quote(str(db_path)),
                    config=shlex.quote(str(config_path)),
                    display_name=me.display_name,
                )
            )
            return 0
        return ui(desk, args)


DEMO_MORNING = time(10, 30)
"""The demo's mentions arrive up to this time of a business day when the whole sample team is
on duty (Bruno works mornings on Fridays, Chloé from 10:00, Tuesday to Saturday)."""


def demo_moment(config: DeskConfig, now: datetime) -> datetime:
    """The latest business day's DEMO_MORNING (desk's zone) at or before ``now`` when every
    active staff member is on duty (built on a Monday, Chloé's day off: the Friday before), so
    routing gives everyone work; ``now`` when none is found in the last two weeks."""
    from desk.triage.routing import Router

    calendar = config.hours.calendar()
    router = Router(config, calendar=calendar)
    team = [s.name for s in config.staff if s.active]
    today = calendar.local(now).date()
    for back in range(15):
        day = today - timedelta(days=back)
        at = datetime.combine(day, DEMO_MORNING, tzinfo=calendar.tz).astimezone(UTC)
        if (
            at <= now
            and calendar.facts(at).business_hours
            and all(router.unavailable(name, at) is None for name in team)
        ):
            return at
    return now


def _shifted(clock: Clock, by: timedelta) -> Clock:
    return lambda: clock() + by


def ingest_rebased(desk: Desk, files: list[Path], moment: datetime) -> list[FileReport]:
    """Import the sample payloads with every time moved so that the newest mention was posted
    ten minutes before ``moment`` (the samples keep their own days, weeks ago, otherwise)."""
    from desk.channels.ingest import MAX_FILE_BYTES
    from desk.config.files import read_limited
    from desk.platforms.detect import parse_payload

    parsed = []
    for index, path in enumerate(files, start=1):
        file_progress(str(path), index, len(files))
        data = read_limited(path, MAX_FILE_BYTES, error=InputError)  # as desk ingest reads
        parsed.append((path, parse_payload(data, str(path))))
    times = [item.created_at for _, result in parsed for item in result.items]
    by = (moment - timedelta(minutes=10)) - max(times) if times else timedelta(0)
    reports = []
    for path, result in parsed:
        result.items = [replace(i, created_at=i.created_at + by) for i in result.items]
        reports.append(desk.ingest.ingest_parsed(result, str(path)))
    return reports


def demo_database(run: Invocation, args: argparse.Namespace) -> Path:
    """The demo's database file: ``--db`` (a file path) or demo.db in the user data folder —
    never DESK_DB, which names the real desk. An existing file must carry the demo's mark."""
    from desk.db.marker import is_demo

    if args.config is not None:
        raise refused(run.catalog, "demo_config", kind=ActionRefused)
    if args.db is not None and "://" in args.db:
        raise refused(run.catalog, "demo_url", kind=ActionRefused, db=args.db)
    path = Path(args.db).expanduser() if args.db else default_data_dir() / "demo.db"
    if is_demo(path) is False:
        raise refused(run.catalog, "demo_not_demo", kind=ActionRefused, path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _give_passphrases(settings: Settings, config: DeskConfig, run: Invocation) -> None:
    """Every demo person without a passphrase gets "demo", audited (opened as the OS login)."""
    with opened(settings, None, config, clock=run.clock) as desk:
        desk.identity.give_missing_passphrases(DEMO_PASSPHRASE)
