"""Onboarding consent: consent records of an employee (a data subject of its own) beside those of candidates

Revision ID: 0016_provisioning
Revises: 0015_interview_answers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_provisioning"
# After attendance (employees exist); to be chained after 0015 when both have landed.
down_revision: str | None = "0015_interview_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_id", sa.Integer(), nullable=True))
        batch_op.alter_column("candidate_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_consent_records_employee_id"), ["employee_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_consent_records_employee_id_employees"), "employees",
                                    ["employee_id"], ["id"])


def downgrade() -> None:
    # Employees' records have no candidate: they go before the column may be NOT NULL again.
    op.execute("DELETE FROM consent_records WHERE candidate_id IS NULL")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_consent_records_employee_id_employees"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_consent_records_employee_id"))
        batch_op.alter_column("candidate_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("employee_id")
