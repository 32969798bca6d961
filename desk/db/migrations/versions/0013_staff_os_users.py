"""staff.os_users: the OS logins that open the desk as each person, recorded in the database
(until now read from desk.toml, which anyone who can write it could change). NULL until the first
opening after the upgrade records desk.toml's mapping once, audited (desk.staff.records).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("os_users", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("os_users")
