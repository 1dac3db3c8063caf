"""Attendance: probation rules as data and the pull schedule's lock

Revision ID: 0014_attendance
Revises: 0012_imports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0014_attendance"
down_revision: str | None = "0012_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "probation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("work_start", sa.String(length=5), nullable=False),
        sa.Column("work_end", sa.String(length=5), nullable=False),
        sa.Column("work_days", sa.JSON(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("late_threshold_count", sa.Integer(), nullable=False),
        sa.Column("absent_threshold_count", sa.Integer(), nullable=False),
        sa.Column("early_leave_threshold_count", sa.Integer(), nullable=False),
        sa.Column("penalties", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_probation_rules_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probation_rules")),
        sa.UniqueConstraint("organization_id", "name", "version",
                            name=op.f("uq_probation_rules_organization_id")),
    )
    with op.batch_alter_table("probation_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_probation_rules_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "attendance_pull_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_until", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_pull_lock")),
    )


def downgrade() -> None:
    op.drop_table("attendance_pull_lock")
    with op.batch_alter_table("probation_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probation_rules_organization_id"))
    op.drop_table("probation_rules")
