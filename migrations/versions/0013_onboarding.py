"""Onboarding: employees (their own data subjects) and their attendance accounts

Revision ID: 0013_onboarding
Revises: 0012_imports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base
import candor.vault.fields

revision: str = "0013_onboarding"
down_revision: str | None = "0012_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("probation_end", sa.Date(), nullable=True),
        sa.Column("probation_months", sa.Integer(), nullable=False),
        # probation_rules belongs to candor.attendance's own migration; a plain indexed integer (no FK) here.
        sa.Column("rules_id", sa.Integer(), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("full_name", candor.vault.fields.SealedBytes(), nullable=False),
        sa.Column("email", candor.vault.fields.SealedBytes(), nullable=True),
        sa.Column("email_index", sa.String(length=64), nullable=True),
        sa.Column("phone", candor.vault.fields.SealedBytes(), nullable=True),
        sa.Column("base_pay", candor.vault.fields.SealedBytes(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("access_nonce_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], name=op.f("fk_employees_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["decision_id"], ["review_decisions.id"],
                                name=op.f("fk_employees_decision_id_review_decisions")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_employees_job_id_jobs")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_employees_organization_id_organizations")),
        sa.ForeignKeyConstraint(["subject_id"], ["data_subjects.id"],
                                name=op.f("fk_employees_subject_id_data_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_employees_decision_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_employees_uid")),
    )
    with op.batch_alter_table("employees") as batch_op:
        for column in ("candidate_id", "email_index", "job_id", "organization_id", "rules_id", "state",
                       "subject_id"):
            batch_op.create_index(batch_op.f(f"ix_employees_{column}"), [column], unique=False)
    op.create_table(
        "attendance_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("adapter", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("biometric_clock_in", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"],
                                name=op.f("fk_attendance_accounts_employee_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_accounts")),
        sa.UniqueConstraint("employee_id", "adapter", name=op.f("uq_attendance_accounts_employee_id")),
    )
    with op.batch_alter_table("attendance_accounts") as batch_op:
        for column in ("account_id", "employee_id", "state"):
            batch_op.create_index(batch_op.f(f"ix_attendance_accounts_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attendance_accounts") as batch_op:
        for column in ("state", "employee_id", "account_id"):
            batch_op.drop_index(batch_op.f(f"ix_attendance_accounts_{column}"))
    op.drop_table("attendance_accounts")
    with op.batch_alter_table("employees") as batch_op:
        for column in ("subject_id", "state", "rules_id", "organization_id", "job_id", "email_index",
                       "candidate_id"):
            batch_op.drop_index(batch_op.f(f"ix_employees_{column}"))
    op.drop_table("employees")
