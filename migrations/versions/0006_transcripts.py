"""Transcripts, encrypted in full and redacted

Revision ID: 0006_transcripts
Revises: 0005_consent
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0006_transcripts"
down_revision: str | None = "0005_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("engine", sa.String(length=100), nullable=False),
        sa.Column("full_text", sa.LargeBinary(), nullable=False),
        sa.Column("redacted_text", sa.LargeBinary(), nullable=False),
        sa.Column("found", sa.JSON(), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["answers.id"], name=op.f("fk_transcripts_answer_id_answers")),
        sa.ForeignKeyConstraint(["subject_id"], ["data_subjects.id"],
                                name=op.f("fk_transcripts_subject_id_data_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_transcripts_answer_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_transcripts_uid")),
    )
    with op.batch_alter_table("transcripts") as batch_op:
        batch_op.create_index(batch_op.f("ix_transcripts_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_table("transcripts")
