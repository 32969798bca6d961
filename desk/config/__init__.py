"""Configuration: desk.toml (the team's file) plus DESK_* environment variables.

``Settings`` (pydantic-settings) says *where* things are: the database, the config file, the
interface language. ``DeskConfig`` is the content of desk.toml: organisation, staff, routing
and the rules file. Default locations come from platformdirs (through desk.files).
"""

from __future__ import annotations

import string
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from desk.calendar import DAYS, DEFAULT_HOURS, Calendar, parse_ranges, parse_week, zone
from desk.config.channels import PUBLIC_PLATFORMS, ChannelConfig
from desk.config.problems import reason, refusal, where
from desk.errors import ConfigError
from desk.files import (
    MAX_CONFIG_BYTES,
    default_config_dir,
    default_data_dir,
    loads_toml,
    read_limited,
)
from desk.files import os_user as os_user  # re-exported: defined where no pydantic is loaded
from desk.views import StaffView
from desk.vocabulary import ROLES as ROLES  # re-exported: desk.staff reads it here

DEFAULT_PACK = Path(__file__).resolve().parents[1] / "triage" / "default_rules.toml"
"""The bundled bilingual rule pack: used when desk.toml names no ``rules`` file."""

Role = Literal["agent", "supervisor", "admin"]
"""What [[staff]] role may say: desk.vocabulary.ROLES (kept there for the command line's help,
which must not load pydantic; tests/unit/test_foundations.py checks the two agree)."""


class Settings(BaseSettings):
    """Where things are. Set by flags (--db, --config), else DESK_DB / DESK_CONFIG / DESK_LANG."""

    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    db: str | None = None
    config: Path | None = None
    lang: str | None = None

    def db_url(self) -> str:
        """The database path or URL (default: desk.db in the user data folder)."""
        return self.db or str(default_data_dir() / "desk.db")

    def config_path(self) -> Path:
        """The desk.toml to read (default: desk.toml in the user config folder)."""
        return self.config or default_config_dir() / "desk.toml"


class Absence(BaseModel):
    """A period someone is away, both days included: ``{ from = 2026-11-23, to = 2026-11-27 }``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.end < self.start:
            raise refusal("to_before_from")
        return self


def _week(value: dict[str, str] | None) -> dict[str, str] | None:
    for key, ranges in (value or {}).items():
        if key.strip().lower()[:3] not in DAYS:
            raise refusal("hours_day", day=repr(key), days=", ".join(DAYS))
        try:
            parse_ranges(ranges)
        except ValueError:
            raise refusal("hours_range", day=key, ranges=repr(ranges)) from None
    return value


class StaffConfig(BaseModel):
    """One person in desk.toml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    display_name: str = Field(min_length=1, max_length=120)
    initials: str = Field(min_length=1, max_length=8)
    role: Role = "agent"
    languages: list[str] = Field(default_factory=lambda: ["fr", "en"])
    os_users: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    max_open: int | None = Field(default=None, ge=1)
    schedule: dict[str, str] | None = None  # weekly hours; None: the desk's business hours
    absences: list[Absence] = Field(default_factory=list)
    active: bool = True  # false: kept for history, never routed work, cannot open the desk

    _check_schedule = field_validator("schedule")(_week)

    def view(self) -> StaffView:
        """The plain read model of this person."""
        return StaffView(
            self.name, self.display_name, self.initials, self.role, tuple(self.languages)
        )


class DeskSection(BaseModel):
    """The ``[desk]`` table."""

    model_config = ConfigDict(extra="forbid")

    organisation: str = "desk"
    language: Literal["fr", "en"] | None = None
    signature_format: str = "—{initials}"
    rules: str | None = None
    reply_claim_minutes: int = Field(
        default=5, ge=1, le=240
    )  # collision guard (desk.replies.claims)

    @field_validator("signature_format")
    @classmethod
    def _named_fields_only(cls, value: str) -> str:
        return check_signature_format(value)


SIGNATURE_FIELDS = ("initials", "name", "display_name")
MAX_SIGNATURE_FORMAT = 80  # characters; a signature is a few letters under every reply


def check_signature_format(value: str) -> str:
    """``value`` if it is text with only ``{initials}``, ``{name}`` or ``{display_name}`` in it:
    no format spec (``{initials:>999999999}`` allocated a gigabyte at every start), no conversion,
    no attribute or index access, no control character, at most MAX_SIGNATURE_FORMAT characters.
    ValueError otherwise, saying what is allowed."""
    if len(value) > MAX_SIGNATURE_FORMAT:
        raise refusal("signature_long", n=len(value), max=MAX_SIGNATURE_FORMAT)
    if any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in value):
        raise refusal("signature_control")
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise refusal("signature_braces", detail=str(exc)) from None
    for _literal, field, spec, conversion in fields:
        if field is None:
            continue
        if field not in SIGNATURE_FIELDS:
            raise refusal("signature_field", field=f"{{{field}}}")
        if spec or conversion:
            shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise refusal("signature_format", field=f"{{{shown}}}")
    return value


class TeamConfig(BaseModel):
    """A ``[[team]]``: people who share work, and how a rule's mentions are spread among them."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    members: list[str] = Field(min_length=1)
    strategy: Literal["round-robin", "least-loaded"] = "round-robin"


class RotaTurn(BaseModel):
    """One explicit on-call turn, both days included."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    staff: str
    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> RotaTurn:
        if self.end < self.start:
            raise refusal("to_before_from")
        return self


class AlertsConfig(BaseModel):
    """``[oncall.alerts]``: how a surge outside business hours reaches the on-call person
    (desk.crisis.alerts): each person's ``contacts`` (``mailto:ADDRESS`` by SMTP through ``smtp``,
    or an ntfy-compatible ``https://HOST/TOPIC`` push URL), escalated to the next person when
    nobody acknowledges within ``escalate_after_minutes``."""

    model_config = ConfigDict(extra="forbid")

    contacts: dict[str, list[str]] = Field(default_factory=dict)
    smtp: str = "127.0.0.1:25"
    sender: str = "desk@localhost"
    push_token: str | None = None  # a secret reference (env:NAME, keyring:..., file:...)
    escalate_after_minutes: int = Field(default=15, ge=1)
    sensitivity: Literal["high", "normal", "low"] = "normal"
    recent_minutes: int = Field(default=30, ge=5)
    """Only surges still going on this recently alert (an old one is history, not news)."""

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, addresses in value.items():
            for address in addresses:
                if not address.startswith(("mailto:", "https://", "http://")):
                    raise refusal("contact", name=name, address=repr(address))
        return value


class OnCallConfig(BaseModel):
    """``[oncall]``: who is on duty outside business hours.

    Explicit ``turns`` win; otherwise ``rotation`` takes turns of ``period_days`` from ``start``.
    """

    model_config = ConfigDict(extra="forbid")

    rotation: list[str] = Field(default_factory=list)
    start: date | None = None
    period_days: int = Field(default=7, ge=1)
    turns: list[RotaTurn] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)


class HoursConfig(BaseModel):
    """``[hours]``: the desk's time zone, business hours and holidays."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "America/Toronto"
    business: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_HOURS))
    holidays: list[date] = Field(default_factory=list)

    _check_business = field_validator("business")(_week)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except ValueError:
            raise refusal("time_zone", name=repr(value)) from None
        return value

    def calendar(self) -> Calendar:
        """The Calendar these settings describe."""
        return Calendar(zone(self.timezone), parse_week(self.business), frozenset(self.holidays))


class ApprovalConfig(BaseModel):
    """``[approval]``: which replies wait for a supervisor (four eyes) before they go out.

    Besides these, a reply needs approval when a triage rule said ``require_approval``.
    """

    model_config = ConfigDict(extra="forbid")

    categories: list[str] = Field(default_factory=list)  # e.g. ["rumour"]
    rules: list[str] = Field(default_factory=list)  # names of triage rules that fired
    tags: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    author_lists: list[str] = Field(default_factory=list)  # names from [lists]
    # The crisis policy, in force while a crisis is declared (desk crisis start) or always with
    # crisis = true: every reply waits for a supervisor, except an unedited pre-approved
    # library answer (crisis_free_text = false turns the policy off even then).
    crisis: bool = False
    crisis_free_text: bool = True
    fallback: str | None = None  # who approves when no other supervisor can (e.g. a team of one)


MIN_RETENTION_DAYS = 30


class RetentionConfig(BaseModel):
    """``[retention]``: how long finished mentions and the audit trail are kept (desk.audit.retention).

    ``days`` absent: everything is kept forever and ``desk purge`` needs ``--before``.
    """

    model_config = ConfigDict(extra="forbid")

    days: int | None = None

    @field_validator("days")
    @classmethod
    def _long_enough(cls, value: int | None) -> int | None:
        if value is not None and value < MIN_RETENTION_DAYS:
            raise refusal("retention_short", min=MIN_RETENTION_DAYS, value=value)
        return value


class AuditConfig(BaseModel):
    """``[audit]``: where the trail's heads are anchored outside the database (desk.audit.checkpoints).

    ``checkpoints``: the append-only file ``desk audit checkpoint``, ``desk export`` and ``desk
    purge`` add a line to (relative to desk.toml). ``signing_key``: a reference (``file:PATH``,
    ``env:NAME``, ``keyring:SERVICE/USER``) to the Ed25519 key that signs each line, made by
    ``desk audit keygen``; absent, lines are written unsigned.
    """

    model_config = ConfigDict(extra="forbid")

    checkpoints: Path | None = None
    signing_key: str | None = None


class SshConfig(BaseModel):
    """``[ssh]``: ``shared_account`` is the one OS account sshd runs ``desk --as NAME`` as, one
    key per person (``restrict,pty,command=...`` in its authorized_keys). Believed only when
    desk.toml is out of that account's reach (desk.staff.remote says exactly when)."""

    model_config = ConfigDict(extra="forbid")

    shared_account: str | None = Field(default=None, min_length=1, max_length=64)


class WebConfig(BaseModel):
    """``[web]``: ``account`` is the OS account ``desk serve`` runs as, whose tabs open the desk
    as the person the server authenticated. Believed on the same terms as ``[ssh]``."""

    model_config = ConfigDict(extra="forbid")

    account: str | None = Field(default=None, min_length=1, max_length=64)


VIEW_NAME = r"^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+$"  # no control, no bidi override


class ViewConfig(BaseModel):
    """A ``[[view]]``: a team's saved slice of the queue, a name and a filter line of
    desk.search patterns (``~p urgent ~l fr``). The line is read when the view is used
    (desk.saved_views), where a wrong one is said with the view's name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=VIEW_NAME)
    filter: str = Field(min_length=1, max_length=1000)


class DeskConfig(BaseModel):
    """The content of desk.toml."""

    model_config = ConfigDict(extra="forbid")

    desk: DeskSection = Field(default_factory=DeskSection)
    hours: HoursConfig = Field(default_factory=HoursConfig)
    staff: list[StaffConfig] = Field(default_factory=list)
    team: list[TeamConfig] = Field(default_factory=list)
    oncall: OnCallConfig = Field(default_factory=OnCallConfig)
    lists: dict[str, list[str]] = Field(default_factory=dict)
    routing: dict[str, str] = Field(default_factory=dict)
    approval: ApprovalConfig = Field(default_factory=ApprovalConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    ssh: SshConfig = Field(default_factory=SshConfig)  # desk.staff.remote
    web: WebConfig = Field(default_factory=WebConfig)  # desk.staff.remote, desk serve
    channel: list[ChannelConfig] = Field(
        default_factory=list
    )  # live accounts/feeds (desk.channels.pull)
    view: list[ViewConfig] = Field(default_factory=list)  # the team's saved views
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("channel")
    @classmethod
    def _channels_usable(cls, value: list[ChannelConfig]) -> list[ChannelConfig]:
        seen: set[str] = set()
        for channel in value:
            if channel.key in seen:
                raise refusal("channel_twice", channel=channel.key)
            seen.add(channel.key)
            try:
                channel.base_url()
            except ValueError:  # a platform without a default address, and no url
                raise refusal(
                    "channel_url", channel=channel.key, platform=channel.platform
                ) from None
            if channel.platform not in PUBLIC_PLATFORMS and not channel.secret:
                raise refusal("channel_secret", channel=channel.key)
        return value

    def staff_named(self, name: str) -> StaffConfig | None:
        """The staff member with this name (case-insensitive), if any."""
        wanted = name.casefold()
        return next((s for s in self.staff if s.name.casefold() == wanted), None)

    def display_names(self) -> dict[str, str]:
        """Each staff login and the name sentences use for it (``amelie`` -> ``Amélie
        Bouchard``)."""
        return {s.name: s.display_name for s in self.staff}

    def signature_for(self, staff: StaffConfig | StaffView) -> str:
        """The signature appended to this person's replies, e.g. ``—AB``."""
        return self.desk.signature_format.format(
            initials=staff.initials, name=staff.name, display_name=staff.display_name
        )

    def rules_path(self) -> Path | None:
        """The rules file, resolved relative to desk.toml."""
        if not self.desk.rules:
            return None
        rules = Path(self.desk.rules).expanduser()
        if not rules.is_absolute() and self.path is not None:
            rules = self.path.parent / rules
        return rules


def load_config(path: Path) -> DeskConfig:
    """Read and validate desk.toml; errors name the file, the key and what to do.

    Only a regular file is read, and at most MAX_CONFIG_BYTES of it (desk.config.files): a
    pipe, a device such as /dev/zero or a huge file is refused at once."""
    try:
        data = read_limited(path, MAX_CONFIG_BYTES)
    except FileNotFoundError as exc:
        raise ConfigError.from_catalog("config_missing", path=str(path)) from exc
    except OSError as exc:
        raise ConfigError.from_catalog(
            "config_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError.from_catalog("config_not_utf8", path=str(path), byte=exc.start) from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> DeskConfig:
    """Validate the text of desk.toml (``path`` names it in errors), as ``load_config`` does."""
    try:
        raw = loads_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.from_catalog("config_toml", path=str(path), detail=str(exc)) from exc
    try:
        config = DeskConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError.from_catalog(
            "config_invalid", path=str(path), where=where(first), reason=reason(first)
        ) from exc
    names = [s.name for s in config.staff]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError.from_catalog("config_staff_twice", path=str(path), names=", ".join(dupes))
    _check_names(config, path)
    config.path = path
    return config


def _check_names(config: DeskConfig, path: Path) -> None:
    """Every name used in routing, teams and the rota is a staff member (or a team)."""
    staff = {s.name for s in config.staff}
    teams = {t.name for t in config.team}
    at = str(path)
    known = ", ".join(sorted(staff)) or "—"
    for lang, who in config.routing.items():
        if who not in staff and who not in teams:
            raise ConfigError.from_catalog(
                "config_routing_unknown", path=at, lang=lang, who=repr(who), staff=known
            )
    for team in config.team:
        for member in team.members:
            if member not in staff:
                raise ConfigError.from_catalog(
                    "config_team_unknown",
                    path=at,
                    team=repr(team.name),
                    who=repr(member),
                    staff=known,
                )
    for who in [*config.oncall.rotation, *(t.staff for t in config.oncall.turns)]:
        if who not in staff:
            raise ConfigError.from_catalog(
                "config_oncall_unknown", path=at, who=repr(who), staff=known
            )
    for name in config.approval.author_lists:
        if name not in config.lists:
            raise ConfigError.from_catalog(
                "config_list_unknown",
                path=at,
                name=repr(name),
                lists=", ".join(sorted(config.lists)) or "—",
            )
    if config.approval.fallback is not None and config.approval.fallback not in staff:
        raise ConfigError.from_catalog(
            "config_fallback_unknown", path=at, who=repr(config.approval.fallback), staff=known
        )
    if config.oncall.rotation and config.oncall.start is None:
        raise ConfigError.from_catalog("config_rotation_start", path=at)
    views = [v.name.casefold() for v in config.view]
    if len(set(views)) != len(views):
        raise ConfigError.from_catalog("config_view_twice", path=at)
    if len(teams) != len(config.team):
        raise ConfigError.from_catalog("config_team_twice", path=at)
    if teams & staff:
        raise ConfigError.from_catalog(
            "config_team_person", path=at, names=", ".join(sorted(teams & staff))
        )


STARTER_CONFIG = """\
# desk.toml — who works the desk and how replies are signed.
[desk]
organisation = "My organisation"
language = "fr"                  # interface language: "fr" or "en" (else from LANG)
signature_format = "—{initials}" # appended to every reply
rules = "rules.toml"             # your triage rules (a copy of desk's bilingual pack)

[hours]
timezone = "America/Toronto"
business = { mon = "08:30-16:30", tue = "08:30-16:30", wed = "08:30-16:30", thu = "08:30-16:30", fri = "08:30-16:30" }
holidays = []

[[staff]]
name = "{login}"
display_name = "{login}"
initials = "XX"
role = "admin"
languages = ["fr", "en"]
os_users = ["{login}"]

[routing]
# fr = "{login}"
# en = "{login}"
"""


def write_starter_config(path: Path) -> bool:
    """Write a starter desk.toml, and beside it rules.toml (a copy of the bundled pack the team
    then owns), if none exists; return whether desk.toml was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    rules = path.parent / "rules.toml"
    if not rules.exists():
        rules.write_text(DEFAULT_PACK.read_text(encoding="utf-8"), encoding="utf-8")
    path.write_text(STARTER_CONFIG.replace("{login}", os_user() or "me"), encoding="utf-8")
    return True
