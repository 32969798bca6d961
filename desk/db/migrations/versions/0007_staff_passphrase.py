"""identity: a salted scrypt hash of each person's passphrase (``--as`` someone else needs it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 10:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("passphrase_hash", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("passphrase_hash")
