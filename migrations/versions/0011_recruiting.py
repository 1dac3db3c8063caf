"""The recruiting loop: applications by source, invitations with their notice lead time, sync cursors

Revision ID: 0011_recruiting
Revises: 0010_outbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0011_recruiting"
down_revision: str | None = "0010_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = candor.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recruiting_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_recruiting_applications_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_recruiting_applications_interview_id_interviews")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_recruiting_applications_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruiting_applications")),
        sa.UniqueConstraint("interview_id", name=op.f("uq_recruiting_applications_interview_id")),
        sa.UniqueConstraint("source", "reference", name=op.f("uq_recruiting_applications_source")),
    )
    with op.batch_alter_table("recruiting_applications") as batch_op:
        batch_op.create_index(batch_op.f("ix_recruiting_applications_candidate_id"), ["candidate_id"])
        batch_op.create_index(batch_op.f("ix_recruiting_applications_job_id"), ["job_id"])
    op.create_table(
        "recruiting_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("lead_business_days", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("opens_at", UTC, nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("next_reminder_at", UTC, nullable=True),
        sa.Column("last_reminder_at", UTC, nullable=True),
        sa.Column("message_ref", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_recruiting_invitations_interview_id_interviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruiting_invitations")),
        sa.UniqueConstraint("interview_id", name=op.f("uq_recruiting_invitations_interview_id")),
    )
    op.create_table(
        "recruiting_sync_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("since", sa.String(length=100), nullable=True),
        sa.Column("last_run_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruiting_sync_cursors")),
        sa.UniqueConstraint("plugin", "connector", "kind", name=op.f("uq_recruiting_sync_cursors_plugin")),
    )


def downgrade() -> None:
    op.drop_table("recruiting_sync_cursors")
    op.drop_table("recruiting_invitations")
    with op.batch_alter_table("recruiting_applications") as batch_op:
        batch_op.drop_index(batch_op.f("ix_recruiting_applications_job_id"))
        batch_op.drop_index(batch_op.f("ix_recruiting_applications_candidate_id"))
    op.drop_table("recruiting_applications")
