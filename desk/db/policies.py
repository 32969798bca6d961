"""The recorded approval policy: who approves and which replies wait, as the database says.

desk.toml's ``[approval]`` (and the ``[lists]`` its ``author_lists`` name) only *proposes* the
policy, as ``[[staff]]`` only proposes the staff records (desk.staff.records): a private copy of
desk.toml (``desk --config mine.toml``) must neither name its author the fallback approver nor
drop the approval the team's policy requires. The policy in force is the one recorded in the
``policies`` table (``RecordedPolicy``, name ``approval``), as canonical JSON of ``values_of``.
It is recorded at the desk's first opening (as ``system``) and changed only by an admin's
``desk staff apply`` (desk.staff.records.settle_approval, audited in the same transaction); a
desk.toml that disagrees is reported (desk.staff.records.approval_drift).

Every decision reads it inside the decision's own transaction (``in_force``), so a desk that has
been open for hours follows an admin's change at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from desk.config import ApprovalConfig, DeskConfig
from desk.db.tables import RecordedPolicy

APPROVAL = "approval"
"""The name of the approval policy's record."""


def values_of(config: DeskConfig) -> dict[str, Any]:
    """The approval policy desk.toml proposes, as recorded: ``[approval]``, and under ``lists``
    the author lists it names (their handles decide which replies wait, so they are policy too)."""
    values = config.approval.model_dump(mode="json")
    values["lists"] = {name: list(config.lists.get(name, [])) for name in values["author_lists"]}
    return values


def encoded(values: Mapping[str, Any]) -> str:
    """The stored form: canonical JSON (sorted keys), so equal policies are equal text."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class ApprovalPolicy:
    """The approval policy in force: ``[approval]``'s settings and the author lists it names."""

    approval: ApprovalConfig
    lists: Mapping[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ApprovalPolicy:
        """The policy of stored ``values`` (``values_of``)."""
        settings = {k: v for k, v in values.items() if k != "lists"}
        lists = values.get("lists") or {}
        return cls(ApprovalConfig.model_validate(settings), {k: list(v) for k, v in lists.items()})

    @classmethod
    def of(cls, config: DeskConfig) -> ApprovalPolicy:
        """The policy desk.toml proposes."""
        return cls.from_values(values_of(config))


def recorded_values(session: Session) -> dict[str, Any] | None:
    """The recorded approval policy's values (None: not recorded yet)."""
    table = RecordedPolicy.__table__  # type: ignore[attr-defined]  # plain columns: no ORM
    text = session.execute(
        sa.select(table.c.value).where(table.c.name == APPROVAL)
    ).scalar_one_or_none()
    return None if text is None else dict(json.loads(text))


def in_force(config: DeskConfig, session: Session) -> ApprovalPolicy:
    """The approval policy to apply now: the recorded one. Only a database no desk was opened
    on yet (services built directly, as tests do) has none: then desk.toml's, which is what its
    first opening would record."""
    values = recorded_values(session)
    return ApprovalPolicy.of(config) if values is None else ApprovalPolicy.from_values(values)


def record(session: Session, values: Mapping[str, Any]) -> None:
    """Store ``values`` as the approval policy (no commit; the caller audits it)."""
    row = session.get(RecordedPolicy, APPROVAL)
    if row is None:
        row = RecordedPolicy(name=APPROVAL, value=encoded(values))
    else:
        row.value = encoded(values)
    session.add(row)
