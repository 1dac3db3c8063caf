"""Resumable answer uploads, answers bound to the question as asked, transcript word times

Revision ID: 0015_interview_answers
Revises: 0014_attendance
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0015_interview_answers"
down_revision: str | None = "0014_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch_op:
        batch_op.alter_column("question_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("interview_question_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("mime_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("total_bytes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("received_bytes", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("recorded_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("media_info", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("uploaded_at", candor.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f("fk_answers_interview_question_id_interview_questions"),
                                    "interview_questions", ["interview_question_id"], ["id"])
        batch_op.create_index(op.f("ix_answers_interview_question_id"), ["interview_question_id"], unique=False)
        batch_op.create_unique_constraint(op.f("uq_answers_interview_question_id"),
                                          ["interview_question_id", "attempt"])
    with op.batch_alter_table("answers") as batch_op:
        batch_op.alter_column("received_bytes", server_default=None)
    with op.batch_alter_table("interview_questions") as batch_op:
        batch_op.add_column(sa.Column("think_seconds", sa.Integer(), nullable=False, server_default="30"))
        batch_op.add_column(sa.Column("max_retakes", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("interview_questions") as batch_op:
        batch_op.alter_column("think_seconds", server_default=None)
        batch_op.alter_column("max_retakes", server_default=None)
    with op.batch_alter_table("transcripts") as batch_op:
        batch_op.add_column(sa.Column("words", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("duration_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transcripts") as batch_op:
        batch_op.drop_column("duration_seconds")
        batch_op.drop_column("words")
    with op.batch_alter_table("interview_questions") as batch_op:
        batch_op.drop_column("max_retakes")
        batch_op.drop_column("think_seconds")
    with op.batch_alter_table("answers") as batch_op:
        batch_op.drop_constraint(op.f("uq_answers_interview_question_id"), type_="unique")
        batch_op.drop_index(op.f("ix_answers_interview_question_id"))
        batch_op.drop_constraint(op.f("fk_answers_interview_question_id_interview_questions"), type_="foreignkey")
        for column in ("uploaded_at", "error", "media_info", "recorded_seconds", "received_bytes", "total_bytes",
                       "mime_type", "interview_question_id"):
            batch_op.drop_column(column)
        batch_op.alter_column("question_id", existing_type=sa.Integer(), nullable=False)
