"""``desk staff``: the team, for anyone; adding people, roles, deactivation for admins.

    desk staff [list] [--json]
    desk staff add NAME --display-name D --initials I [--role R] [--languages fr,en]
                        [--topics a,b] [--os-users login1,login2]
    desk staff role NAME ROLE
    desk staff deactivate NAME | reactivate NAME

Every change goes through desk.staff.StaffService (admins only, desk.toml and the database
mirror together, audited); this module parses and prints, with the words the terminal
interface uses too (``staff.*``). Names come from desk.toml and are printed through
desk.text.safe.clean.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from desk.cli._parser import Commands
from desk.cli._shared import plural, print_json
from desk.text.safe import clean
from desk.vocabulary import ROLES

if TYPE_CHECKING:  # the CLI imports this module to build its parser: keep that light
    from desk.bootstrap import Desk
    from desk.staff.service import StaffMember

COLUMNS = ("name", "display_name", "initials", "role", "languages", "active", "load")


def register(commands: Commands) -> None:
    """``staff`` and its subcommands (``list`` when none is given)."""
    st = commands.add("staff")
    st.add_json()
    st.set_defaults(run=list_staff)
    sub = st.commands("staff_command")
    ls = sub.add("list")
    ls.add_json(default=argparse.SUPPRESS)  # `staff --json list` keeps the --json given before
    ls.set_defaults(run=list_staff)
    add_ = sub.add("add")
    add_.add_argument("name", metavar=add_.metavar("name"), help=add_.text("name"))
    add_.add_argument("--display-name", required=True, metavar="D", help=add_.text("display_name"))
    add_.add_argument("--initials", required=True, metavar="I", help=add_.text("initials"))
    roles = ", ".join(ROLES)
    add_.add_argument(
        "--role",
        default="agent",
        metavar="R",
        help=add_.catalog.t("cli.help.staff.add.role", roles=roles),
    )
    add_.add_argument(
        "--languages",
        metavar=add_.metavar("languages"),
        default="fr,en",
        help=add_.text("languages"),
    )
    add_.add_argument(
        "--topics", metavar=add_.metavar("topics"), default="", help=add_.text("topics")
    )
    add_.add_argument(
        "--os-users", metavar=add_.metavar("os_users"), default="", help=add_.text("os_users")
    )
    add_.set_defaults(run=add)
    role_ = sub.add("role")
    role_.add_argument("name", metavar=role_.metavar("name"))
    role_.add_argument("role", metavar=role_.metavar("role"), help=roles)
    role_.set_defaults(run=role)
    for name, run in (("deactivate", deactivate), ("reactivate", reactivate)):
        p = sub.add(name)
        p.add_argument("name", metavar=p.metavar("name"))
        p.set_defaults(run=run)
    apply_ = sub.add("apply")
    apply_.set_defaults(run=apply)


def apply(desk: Desk, args: argparse.Namespace) -> int:
    """Make the staff records and the approval policy say what desk.toml says (admins;
    audited)."""
    applied = desk.staff.apply_file()
    if applied.people:
        print(plural(desk.catalog, "cli.staff.applied", applied.people))
    if applied.approval:
        print(desk.catalog.t("cli.staff.applied_approval"))
    if not (applied.people or applied.approval):
        print(desk.catalog.t("cli.staff.applied_none"))
    return 0


def add(desk: Desk, args: argparse.Namespace) -> int:
    """Add a person to desk.toml and the database (admins)."""
    from desk.staff.service import NewStaff, split_list  # the staff service: only when it runs

    t = desk.catalog.t
    new = NewStaff(
        name=args.name,
        display_name=args.display_name,
        initials=args.initials,
        role=args.role,
        languages=split_list(args.languages),
        topics=split_list(args.topics),
        os_users=split_list(args.os_users),
    )
    member = desk.staff.add(new)
    print(clean(t("staff.done.added", name=member.name, role=t(f"staff.role.{member.role}"))))
    return 0


def role(desk: Desk, args: argparse.Namespace) -> int:
    """Change someone's role (admins; the last active admin cannot step down)."""
    t = desk.catalog.t
    member = desk.staff.set_role(args.name, args.role)
    print(
        clean(t("staff.done.role_changed", name=member.name, role=t(f"staff.role.{member.role}")))
    )
    return 0


def deactivate(desk: Desk, args: argparse.Namespace) -> int:
    """No new work and no access; history kept; the open mentions left are named (admins)."""
    t = desk.catalog.t
    done = desk.staff.deactivate(args.name)
    name = done.member.name
    if done.open_mentions:
        n = len(done.open_mentions)
        print(clean(desk.catalog.plural("staff.deactivated_open", n, name=name)))
        print(clean(t("staff.handover_cli", name=name)))
    else:
        print(clean(t("staff.done.deactivated", name=name)))
    if done.named_in:
        print(clean(t("staff.named_in", name=name, places=", ".join(done.named_in))))
    return 0


def reactivate(desk: Desk, args: argparse.Namespace) -> int:
    """Bring a deactivated person back (admins)."""
    member = desk.staff.reactivate(args.name)
    print(clean(desk.catalog.t("staff.done.reactivated", name=member.name)))
    return 0


def list_staff(desk: Desk, args: argparse.Namespace) -> int:
    """Everyone in desk.toml: role, languages, active, open load."""
    people = desk.staff.list_staff()
    if args.json:
        print_json([p.to_json() for p in people])
        return 0
    t = desk.catalog.t
    rows = [[t(f"staff.col.{c}") for c in COLUMNS]]
    rows += [_cells(p, t) for p in people]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
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
