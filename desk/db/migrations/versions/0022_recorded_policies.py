"""recorded policies: the approval policy in the database, as the staff records are.

``policies`` holds, by name, a policy the desk enforces as canonical JSON (desk.db.policies):
``approval`` is desk.toml's ``[approval]`` with the author lists it names. The table starts
empty: the first opening of the desk records desk.toml's policy (audited as ``system``), as
desk.staff.records does for logins recorded by 0013; afterwards only an admin's ``desk staff
apply`` changes it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("policies")
