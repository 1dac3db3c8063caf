"""Demographic records (sealed, apart from candidates) and interview outcomes for bias audits

Revision ID: 0007_fairness
Revises: 0006_transcripts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0007_fairness"
down_revision: str | None = "0006_transcripts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demographic_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_demographic_records_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["subject_id"], ["data_subjects.id"],
                                name=op.f("fk_demographic_records_subject_id_data_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demographic_records")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_demographic_records_candidate_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_demographic_records_uid")),
    )
    with op.batch_alter_table("demographic_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_demographic_records_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "interview_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=True),
        sa.Column("hired", sa.Boolean(), nullable=True),
        sa.Column("decided_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_interview_outcomes_interview_id_interviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_outcomes")),
        sa.UniqueConstraint("interview_id", name=op.f("uq_interview_outcomes_interview_id")),
    )


def downgrade() -> None:
    op.drop_table("interview_outcomes")
    op.drop_table("demographic_records")
