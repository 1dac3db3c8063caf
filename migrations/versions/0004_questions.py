"""questions: versioned question sets, questions pinned by interviews, coding-answer runs

Revision ID: 0004_questions
Revises: 0003_audit
Create Date: 2026-11-26 12:00:00

Adds ``question_sets``, ``interview_questions`` and ``code_runs``, and to ``questions`` the set it belongs to,
its stable key across versions, when it was retired, where it came from and kind-specific details.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0004_questions"
down_revision: str | None = "0003_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("library_version", sa.String(length=300), nullable=False),
        sa.Column("generators", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_question_sets_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_sets")),
        sa.UniqueConstraint("job_id", "version", name=op.f("uq_question_sets_job_id")),
    )
    with op.batch_alter_table("question_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_sets_job_id"), ["job_id"], unique=False)

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("key", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("retired_at", candor.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="generated")
        )
        batch_op.add_column(sa.Column("reason", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("generator", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_questions_set_id"), ["set_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_questions_set_id_question_sets"), "question_sets", ["set_id"], ["id"]
        )
    # The defaults only fill rows that existed before; the application always sets these columns.
    with op.batch_alter_table("questions", schema=None) as batch_op:
        for column in ("key", "source", "reason", "generator"):
            batch_op.alter_column(column, server_default=None)

    op.create_table(
        "interview_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("question_version", sa.Integer(), nullable=True),
        sa.Column("follow_up_of_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("competencies", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("generator", sa.String(length=100), nullable=False),
        sa.Column("library_version", sa.String(length=300), nullable=False),
        sa.Column("answer_seconds", sa.Integer(), nullable=False),
        sa.Column("answered_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_of_id"],
            ["interview_questions.id"],
            name=op.f("fk_interview_questions_follow_up_of_id_interview_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"], name=op.f("fk_interview_questions_interview_id_interviews")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_interview_questions_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_questions")),
        sa.UniqueConstraint(
            "interview_id", "position", "step", name=op.f("uq_interview_questions_interview_id")
        ),
    )
    with op.batch_alter_table("interview_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_questions_interview_id"), ["interview_id"], unique=False
        )

    op.create_table(
        "code_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_question_id", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("stopped", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("tests", sa.JSON(), nullable=False),
        sa.Column("isolation", sa.String(length=20), nullable=False),
        sa.Column("wall_seconds", sa.Float(), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_question_id"],
            ["interview_questions.id"],
            name=op.f("fk_code_runs_interview_question_id_interview_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_runs")),
    )
    with op.batch_alter_table("code_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_code_runs_interview_question_id"), ["interview_question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("code_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_runs_interview_question_id"))
    op.drop_table("code_runs")
    with op.batch_alter_table("interview_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_questions_interview_id"))
    op.drop_table("interview_questions")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_questions_set_id_question_sets"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_questions_set_id"))
        for column in ("details", "generator", "reason", "source", "retired_at", "key", "set_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("question_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_sets_job_id"))
    op.drop_table("question_sets")
