"""``desk staff``: the team, for anyone; adding people, roles, deactivation for admins.

    desk staff [list] [--json]
    desk staff add NAME --display-name D --initials I [--role R] [--languages fr,en]
                        [--topics a,b] [--os-users login1,login2]
    desk staff role NAME ROLE
    desk staff deactivate NAME | reactivate NAME

Every change goes through desk.staff.StaffService (admins only, desk.toml and the database
mirror together, audited); this module parses and prints. Names come from desk.toml and are
printed through desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from desk.config import ROLES
from desk.text.safe import clean

if TYPE_CHECKING:  # the CLI imports this module to build its parser: keep that light
    from desk.bootstrap import Desk
    from desk.staff.service import StaffMember


def add_parsers(sub: Any) -> None:
    """Add ``desk staff`` and its subcommands to the CLI's subparsers."""
    st = sub.add_parser(
        "staff", help="the team: list (anyone); add, role, deactivate, reactivate (admins)"
    )
    st.add_argument("--json", action="store_true", help="print the list as JSON")
    st_sub = st.add_subparsers(dest="staff_command", metavar="SUBCOMMAND")
    ls = st_sub.add_parser("list", help="everyone in desk.toml: role, languages, active, open load")
    ls.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add = st_sub.add_parser("add", help="add a person to desk.toml (admins)")
    add.add_argument("name", help="lowercase id used on the command line, e.g. dlaporte")
    add.add_argument("--display-name", required=True)
    add.add_argument("--initials", required=True, help="they sign the replies, e.g. DL")
    add.add_argument("--role", default="agent", help=f"{', '.join(ROLES)} (default: agent)")
    add.add_argument("--languages", default="fr,en", help="comma-separated (default: fr,en)")
    add.add_argument("--topics", default="", help="comma-separated triage tags they cover")
    add.add_argument("--os-users", default="", help="comma-separated OS logins that are them")
    role = st_sub.add_parser("role", help="change someone's role (admins)")
    role.add_argument("name")
    role.add_argument("role", help=", ".join(ROLES))
    for name, text in (
        ("deactivate", "no new work, no access; history kept; open mentions listed (admins)"),
        ("reactivate", "bring a deactivated person back (admins)"),
    ):
        st_sub.add_parser(name, help=text).add_argument("name")


def run(desk: Desk, args: argparse.Namespace) -> int:
    """Run ``desk staff ...`` on the open desk."""
    from desk.staff.service import NewStaff, split_list

    command = args.staff_command or "list"
    t = desk.catalog.t
    service = desk.staff
    if command == "list":
        return _list(desk, args.json)
    if command == "add":
        member = service.add(
            NewStaff(
                name=args.name,
                display_name=args.display_name,
                initials=args.initials,
                role=args.role,
                languages=split_list(args.languages),
                topics=split_list(args.topics),
                os_users=split_list(args.os_users),
            )
        )
        print(clean(t("staff.added", name=member.name, role=t(f"staff.role.{member.role}"))))
    elif command == "role":
        member = service.set_role(args.name, args.role)
        print(clean(t("staff.role_changed", name=member.name, role=t(f"staff.role.{member.role}"))))
    elif command == "deactivate":
        done = service.deactivate(args.name)
        name = done.member.name
        if done.open_mentions:
            print(clean(t("staff.deactivated_open", name=name, n=len(done.open_mentions))))
            print(clean(t("staff.handover_cli", name=name)))
        else:
            print(clean(t("staff.deactivated", name=name)))
        if done.named_in:
            print(clean(t("staff.named_in", name=name, places=", ".join(done.named_in))))
    else:
        member = service.reactivate(args.name)
        print(clean(t("staff.reactivated", name=member.name)))
    return 0


def _list(desk: Desk, as_json: bool) -> int:
    people = desk.staff.list_staff()
    if as_json:
        print(json.dumps([p.to_json() for p in people], ensure_ascii=False))
        return 0
    t = desk.catalog.t
    columns = ("name", "display_name", "initials", "role", "languages", "active", "load")
    rows = [[t(f"staff.col.{c}") for c in columns]]
    rows += [_cells(p, t) for p in people]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _cells(person: StaffMember, t: Any) -> list[str]:
    return [
        clean(person.name, one_line=True, max_len=32),
        clean(person.display_name, one_line=True, max_len=40),
        clean(person.initials, one_line=True, max_len=8),
        t(f"staff.role.{person.role}"),
        ",".join(person.languages),
        t("staff.active" if person.active else "staff.inactive"),
        str(person.open_mentions),
    ]
