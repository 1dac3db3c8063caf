"""Attendance: probation rules as data, check-ins, evaluated days and the pull schedule's lock

Revision ID: 0014_attendance
Revises: 0013_onboarding
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0014_attendance"
# After onboarding: check-ins and evaluated days refer to employees.
down_revision: str | None = "0013_onboarding"
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
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("adapter", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("check_type", sa.String(length=10), nullable=False),
        sa.Column("checked_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("received_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name=op.f("fk_check_ins_employee_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("adapter", "external_id", name=op.f("uq_check_ins_adapter")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_ins_local_date"), ["local_date"], unique=False)

    op.create_table(
        "attendance_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.Column("early_minutes", sa.Integer(), nullable=False),
        sa.Column("rules_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"],
                                name=op.f("fk_attendance_days_employee_id_employees")),
        sa.ForeignKeyConstraint(["rules_id"], ["probation_rules.id"],
                                name=op.f("fk_attendance_days_rules_id_probation_rules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_days")),
        sa.UniqueConstraint("employee_id", "local_date", name=op.f("uq_attendance_days_employee_id")),
    )
    with op.batch_alter_table("attendance_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_days_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "attendance_pull_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_until", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_pull_lock")),
    )


def downgrade() -> None:
    op.drop_table("attendance_pull_lock")
    op.drop_table("attendance_days")
    op.drop_table("check_ins")
    with op.batch_alter_table("probation_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probation_rules_organization_id"))
    op.drop_table("probation_rules")
