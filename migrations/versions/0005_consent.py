"""Consent records, the gate's decisions, candidate links and the human-only choice, work by subject and purpose

Revision ID: 0005_consent
Revises: 0004_questions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0005_consent"
down_revision: str | None = "0004_questions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.String(length=200), nullable=False),
        sa.Column("notice_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_channel", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_consent_records_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_consent_records_interview_id_interviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    with op.batch_alter_table("consent_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_records_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_records_interview_id"), ["interview_id"], unique=False)

    op.create_table(
        "gate_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_gate_decisions_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_gate_decisions_interview_id_interviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_decisions")),
    )
    with op.batch_alter_table("gate_decisions") as batch_op:
        batch_op.create_index(batch_op.f("ix_gate_decisions_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gate_decisions_interview_id"), ["interview_id"], unique=False)

    with op.batch_alter_table("interviews") as batch_op:
        batch_op.add_column(sa.Column("access_nonce_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ai_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("ai_opt_out_at", candor.db.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("work_items") as batch_op:
        batch_op.add_column(sa.Column("subject_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("purpose", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_work_items_subject_ref"), ["subject_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_items_subject_ref"))
        batch_op.drop_column("purpose")
        batch_op.drop_column("subject_ref")
    with op.batch_alter_table("interviews") as batch_op:
        batch_op.drop_column("ai_opt_out_at")
        batch_op.drop_column("ai_opt_out")
        batch_op.drop_column("access_nonce_hash")
    op.drop_table("gate_decisions")
    op.drop_table("consent_records")
