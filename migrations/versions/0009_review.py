"""Human review, the stop button, review requests and generated records of processing

Revision ID: 0009_review
Revises: 0008_dsar
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0009_review"
down_revision: str | None = "0008_dsar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "generated_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("generated_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_records")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_generated_records_fingerprint")),
    )
    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("cancelled_work", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"],
                                name=op.f("fk_suspensions_job_id_jobs")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_suspensions_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspensions")),
    )
    with op.batch_alter_table("suspensions") as batch_op:
        batch_op.create_index(batch_op.f("ix_suspensions_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_suspensions_organization_id"), ["organization_id"], unique=False)
    op.create_table(
        "blind_review_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("blind_first", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"],
                                name=op.f("fk_blind_review_settings_job_id_jobs")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_blind_review_settings_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_review_settings")),
        sa.UniqueConstraint("organization_id", "job_id", name=op.f("uq_blind_review_settings_organization_id")),
    )
    with op.batch_alter_table("blind_review_settings") as batch_op:
        batch_op.create_index(batch_op.f("ix_blind_review_settings_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_blind_review_settings_organization_id"), ["organization_id"], unique=False)
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_review_assignments_interview_id_interviews")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"],
                                name=op.f("fk_review_assignments_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint("interview_id", "reviewer_id", name=op.f("uq_review_assignments_interview_id")),
    )
    with op.batch_alter_table("review_assignments") as batch_op:
        batch_op.create_index(batch_op.f("ix_review_assignments_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_assignments_reviewer_id"), ["reviewer_id"], unique=False)
    op.create_table(
        "interview_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("recommendation", sa.String(length=30), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("produced_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_interview_recommendations_interview_id_interviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_recommendations")),
    )
    with op.batch_alter_table("interview_recommendations") as batch_op:
        batch_op.create_index(batch_op.f("ix_interview_recommendations_interview_id"), ["interview_id"], unique=False)
    op.create_table(
        "reviewer_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("ai_seen", sa.Boolean(), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_reviewer_ratings_interview_id_interviews")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"],
                                name=op.f("fk_reviewer_ratings_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_ratings")),
    )
    with op.batch_alter_table("reviewer_ratings") as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewer_ratings_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviewer_ratings_reviewer_id"), ["reviewer_id"], unique=False)
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ai_recommendation", sa.String(length=30), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.Column("overrides_ai", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_review_decisions_interview_id_interviews")),
        sa.ForeignKeyConstraint(["rating_id"], ["reviewer_ratings.id"],
                                name=op.f("fk_review_decisions_rating_id_reviewer_ratings")),
        sa.ForeignKeyConstraint(["recommendation_id"], ["interview_recommendations.id"],
                                name=op.f("fk_review_decisions_recommendation_id_interview_recommendations")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"],
                                name=op.f("fk_review_decisions_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    with op.batch_alter_table("review_decisions") as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decisions_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_decisions_reviewer_id"), ["reviewer_id"], unique=False)
    op.create_table(
        "review_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=True),
        sa.Column("deadline", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_basis", sa.String(length=200), nullable=False),
        sa.Column("created_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"],
                                name=op.f("fk_review_requests_candidate_id_candidates")),
        sa.ForeignKeyConstraint(["decision_id"], ["review_decisions.id"],
                                name=op.f("fk_review_requests_decision_id_review_decisions")),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"],
                                name=op.f("fk_review_requests_interview_id_interviews")),
        sa.ForeignKeyConstraint(["subject_id"], ["data_subjects.id"],
                                name=op.f("fk_review_requests_subject_id_data_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_requests")),
        sa.UniqueConstraint("uid", name=op.f("uq_review_requests_uid")),
    )
    with op.batch_alter_table("review_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_review_requests_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_requests_interview_id"), ["interview_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_requests_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_table("review_requests")
    op.drop_table("review_decisions")
    op.drop_table("reviewer_ratings")
    op.drop_table("interview_recommendations")
    op.drop_table("review_assignments")
    op.drop_table("blind_review_settings")
    op.drop_table("suspensions")
    op.drop_table("generated_records")
