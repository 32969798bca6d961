"""StaffScreen (W): the team with role, languages, active and open load; admins change it.

Anyone sees the list. An admin adds a person (a small form), changes a role (a picker),
deactivates or reactivates someone (after a confirmation) and sets a passphrase. Each change runs
in a worker through ``desk.staff``, which enforces "admins only" and the last-admin guard and
writes desk.toml and the database together; a non-admin is told they need an admin. After a
deactivation that leaves open mentions, the admin is offered to hand them over at once.
Names come from desk.toml and reach the screen only through desk/tui/safe.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from desk.errors import DeskError
from desk.i18n import Catalog
from desk.staff.service import ROLES, Deactivation, NewStaff, StaffMember, split_list
from desk.tui.dialogs.picker import PickerScreen
from desk.tui.dialogs.staff_form import FormField, StaffForm
from desk.tui.labels import plural
from desk.tui.safe import safe, safe_str, safe_text
from desk.tui.screens.base import DeskScreen
from desk.tui.widgets import tables
from desk.tui.widgets.footer import DeskFooter

COLUMNS = ("name", "display_name", "initials", "role", "languages", "active", "load")


@dataclass
class StaffLoaded(Message):
    """The staff list was read."""

    people: list[StaffMember]


def _name(person: StaffMember) -> str:
    """A person's display name, cleaned, for titles and notifications (never markup)."""
    return safe_str(person.display_name, one_line=True, max_len=60)


class StaffScreen(DeskScreen):
    """Who works the desk."""

    BINDINGS = [
        Binding("escape", "back", "tui.keys.back"),
        Binding("a", "add_staff", "tui.keys.staff_add"),
        Binding("r", "change_role", "tui.keys.staff_role"),
        Binding("d", "toggle_active", "tui.keys.staff_active"),
        Binding("p", "set_passphrase", "tui.keys.staff_passphrase"),
        Binding("f5", "reload", "tui.keys.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="staff-screen")
        self.people: list[StaffMember] = []

    def compose(self) -> ComposeResult:
        """Header, who may change what, the table, the highlighted person's details."""
        yield Static(id="staff-header", classes="header-line")
        yield Static(id="staff-note")
        yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="staff-detail", classes="section")
        yield DeskFooter()  # ctrl+p still works

    def on_mount(self) -> None:
        """Load the list; follow hand-overs and other changes made elsewhere in the app."""
        self.desk_app.inbox_changed.subscribe(self, lambda _id: self.load())
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="staff-load")
    def load(self) -> None:
        """Read desk.toml's staff with their open load."""
        done, people = self.run_service(self.desk.staff.list_staff)
        if done and people is not None:
            self.post_message(StaffLoaded(people))

    def on_staff_loaded(self, message: StaffLoaded) -> None:
        """Fill the table, keeping the cursor on the same person."""
        current = self._current()
        self.people = message.people
        self._fill(current.name if current else None)

    # -- drawing -------------------------------------------------------------------------
    def relabel(self, catalog: Catalog) -> None:
        """Column titles, roles and notes in the new language."""
        if self.is_mounted:
            current = self._current()
            self._fill(current.name if current else None)

    def _fill(self, keep: str | None = None) -> None:
        table = self.query_one(DataTable)
        # The columns get their widths from the cells before the rows go in (tables.fill): a
        # row painted before the table measured it was cut at the old width, and stayed cut.
        titles = {key: Text(self.t(f"staff.col.{key}")) for key in COLUMNS}
        tables.fill(table, titles, ((self._cells(p), p.name) for p in self.people))
        names = [p.name for p in self.people]
        if keep in names:
            table.move_cursor(row=names.index(keep))
        header = plural(self.desk_app.catalog, "tui.staff.header", len(self.people))
        self.query_one("#staff-header", Static).update(Content(header))
        if self.desk.me.is_admin:
            note = self.t("tui.staff.admin_note")
        else:
            admins = [p.name for p in self.people if p.active and p.role == "admin"]
            note = self.t("tui.staff.need_admin", admins=", ".join(admins) or "-")
        self.query_one("#staff-note", Static).update(safe(note, one_line=True))
        self._show(self._current())

    def _cells(self, person: StaffMember) -> list[Text]:
        dim = "" if person.active else "dim"
        return [
            safe_text(person.name, one_line=True, max_len=24, style=dim),
            safe_text(person.display_name, one_line=True, max_len=40, style=dim),
            safe_text(person.initials, one_line=True, max_len=8, style=dim),
            safe_text(self.t(f"staff.role.{person.role}"), style="bold" if person.active else dim),
            safe_text(",".join(person.languages), one_line=True, max_len=20, style=dim),
            safe_text(
                self.t("staff.active" if person.active else "staff.inactive"),
                style="" if person.active else "bold",
            ),
            safe_text(str(person.open_mentions), style=dim),
        ]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted person's topics, OS logins and passphrase state."""
        if 0 <= event.cursor_row < len(self.people):
            self._show(self.people[event.cursor_row])

    def _current(self) -> StaffMember | None:
        if not self.is_mounted or not self.people:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.people[row] if 0 <= row < len(self.people) else None

    def _show(self, person: StaffMember | None) -> None:
        box = self.query_one("#staff-detail", Static)
        if person is None:
            box.update(Content(""))
            return
        none = self.t("tui.staff.none")
        detail = self.t(
            "tui.staff.detail",
            topics=", ".join(person.topics) or none,
            os_users=", ".join(person.os_users) or none,
            passphrase=self.t("staff.yes" if person.has_passphrase else "staff.no"),
        )
        box.update(
            Content.assemble(
                (safe_str(person.display_name, one_line=True, max_len=80), "bold"),
                f" ({safe_str(person.initials, one_line=True, max_len=8)}) — ",
                safe(person.name, one_line=True, max_len=40),
                "\n",
                safe(detail, max_len=600),
            )
        )

    # -- changes -------------------------------------------------------------------------
    def _is_admin(self) -> bool:
        """Whether the actor is an admin; if not, the service's refusal is shown."""
        try:
            self.desk.staff.require_admin()
        except DeskError as exc:
            self.desk_app.show_error(*exc.localized(self.desk_app.catalog.t))
            return False
        return True

    def _admin_target(self) -> StaffMember | None:
        """The highlighted person, if the actor is an admin."""
        return self._current() if self._is_admin() else None

    def action_change_role(self) -> None:
        """Pick a new role for the highlighted person."""
        person = self._admin_target()
        if person is None:
            return
        options = [(role, self.t(f"staff.role.{role}")) for role in ROLES]

        def chosen(role: str | None) -> None:
            if role and role != person.role:
                self.change("set_role", person.name, role)

        title = self.t("tui.staff.pick_role", name=_name(person))
        self.app.push_screen(PickerScreen(title, options, current=person.role), chosen)

    def action_toggle_active(self) -> None:
        """Deactivate (or reactivate) the highlighted person, after a confirmation."""
        person = self._admin_target()
        if person is None:
            return
        verb = "deactivate" if person.active else "reactivate"
        options = [
            ("yes", self.t(f"tui.staff.do_{verb}", name=_name(person))),
            ("no", self.t("tui.staff.cancel")),
        ]

        def confirmed(answer: str | None) -> None:
            if answer == "yes":
                self.change(verb, person.name)

        title = self.t(f"tui.staff.confirm_{verb}", name=_name(person))
        self.app.push_screen(PickerScreen(title, options, current="no"), confirmed)

    def action_add_staff(self) -> None:
        """A form for a new person."""
        if self._is_admin():
            self._open_form({})

    def _open_form(self, values: dict[str, str]) -> None:
        field = "tui.staff.field."
        roles = tuple((role, self.t(f"staff.role.{role}")) for role in ROLES)
        fields = [
            FormField("name", self.t(field + "name"), values.get("name", "")),
            FormField(
                "display_name", self.t(field + "display_name"), values.get("display_name", "")
            ),
            FormField("initials", self.t(field + "initials"), values.get("initials", "")),
            FormField("role", self.t(field + "role"), values.get("role", "agent"), choices=roles),
            FormField("languages", self.t(field + "languages"), values.get("languages", "fr,en")),
            FormField("topics", self.t(field + "topics"), values.get("topics", "")),
            FormField("os_users", self.t(field + "os_users"), values.get("os_users", "")),
        ]

        def filled(answer: dict[str, str] | None) -> None:
            if answer is not None:
                self.add_person(answer)

        form = StaffForm(self.t("tui.staff.form_title"), fields, self.t("tui.staff.form_keys"))
        self.app.push_screen(form, filled)

    def action_set_passphrase(self) -> None:
        """Set the highlighted person's passphrase (typed twice, masked): one's own, or anyone's
        for an admin (desk.staff.identity checks it again)."""
        person = self._current()
        if person is None or (person.name != self.desk.me.name and not self._is_admin()):
            return
        fields = [
            FormField("first", self.t("tui.staff.field.passphrase"), password=True),
            FormField("again", self.t("tui.staff.field.passphrase_again"), password=True),
        ]

        def typed(answer: dict[str, str] | None) -> None:
            if answer is None:
                return
            if answer["first"] != answer["again"]:
                self.desk_app.show_error(self.t("tui.staff.passphrase_differ"))
                return
            self.change("set_passphrase", person.name, answer["first"])

        title = self.t("tui.staff.passphrase_title", name=_name(person))
        self.app.push_screen(StaffForm(title, fields, self.t("tui.staff.form_keys")), typed)

    @work(thread=True, group="staff-change")
    def change(self, action: str, name: str, *args: str) -> None:
        """Run ``desk.staff.<action>(name, *args)`` off the UI thread."""
        done, result = self.run_service(lambda: getattr(self.desk.staff, action)(name, *args))
        if done:
            self.app.call_from_thread(self._changed, action, name, result)

    @work(thread=True, group="staff-change")
    def add_person(self, values: dict[str, str]) -> None:
        """Add the person of the form; a refusal reopens the form with what was typed."""
        new = NewStaff(
            name=values["name"],
            display_name=values["display_name"],
            initials=values["initials"],
            role=values["role"],
            languages=split_list(values["languages"]),
            topics=split_list(values["topics"]),
            os_users=split_list(values["os_users"]),
        )
        done, member = self.run_service(lambda: self.desk.staff.add(new))
        if done and member is not None:
            self.app.call_from_thread(self._changed, "add", member.name, member)
        else:
            self.app.call_from_thread(self._open_form, values)

    def _changed(self, action: str, name: str, result: Any) -> None:
        self.load()
        if action == "set_passphrase":
            self._say("staff.done.passphrase_set", name=name)
            return
        if isinstance(result, Deactivation):
            self._deactivated(result)
            return
        person: StaffMember = result
        if action == "add":
            self._say(
                "staff.done.added", name=_name(person), role=self.t(f"staff.role.{person.role}")
            )
        elif action == "set_role":
            self._say(
                "staff.done.role_changed",
                name=_name(person),
                role=self.t(f"staff.role.{person.role}"),
            )
        else:
            self._say("staff.done.reactivated", name=_name(person))

    def _deactivated(self, done: Deactivation) -> None:
        person = done.member
        if done.named_in:
            self._say("staff.named_in", name=_name(person), places=", ".join(done.named_in))
        if not done.open_mentions:
            self._say("staff.done.deactivated", name=_name(person))
            return
        n = len(done.open_mentions)
        self.notify(
            safe_str(
                self.desk_app.catalog.plural("staff.deactivated_open", n, name=_name(person)),
                max_len=400,
            ),
            markup=False,
        )
        targets = [
            (p.name, f"{p.display_name} ({p.initials}) — {p.name}")
            for p in self.people
            if p.active and p.name != person.name
        ]

        def chosen(target: str | None) -> None:
            if target:
                self.hand_over(person.name, target)

        title = plural(self.desk_app.catalog, "tui.staff.handover_to", n, name=_name(person))
        self.app.push_screen(PickerScreen(title, targets), chosen)

    def _say(self, key: str, **values: Any) -> None:
        self.notify(safe_str(self.t(key, **values), max_len=400), markup=False)

    def action_reload(self) -> None:
        """Read the list again."""
        self.load()

    def action_back(self) -> None:
        """Back."""
        self.dismiss()
