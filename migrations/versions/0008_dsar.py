"""Data-subject requests, export packages, disclosures and erasure receipts; legal holds and the purge log

Revision ID: 0008_dsar
Revises: 0007_fairness
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0008_dsar"
down_revision: str | None = "0007_fairness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = candor.db.base.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "dsar_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("due_basis", sa.String(length=300), nullable=False),
        sa.Column("identity_state", sa.String(length=20), nullable=False),
        sa.Column("identity_method", sa.String(length=30), nullable=True),
        sa.Column("identity_checked_by", sa.String(length=100), nullable=True),
        sa.Column("identity_checked_at", UTC, nullable=True),
        sa.Column("identity_evidence", sa.String(length=40), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", UTC, nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=True),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("completed_at", UTC, nullable=True),
        sa.Column("rejected_at", UTC, nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        _fk("dsar_requests", "candidate_id", "candidates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_requests")),
    )
    with op.batch_alter_table("dsar_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_dsar_requests_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dsar_requests_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_dsar_requests_due_at"), ["due_at"], unique=False)
    op.create_table(
        "dsar_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("max_downloads", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("deleted_at", UTC, nullable=True),
        _fk("dsar_exports", "request_id", "dsar_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_exports")),
    )
    with op.batch_alter_table("dsar_exports") as batch_op:
        batch_op.create_index(batch_op.f("ix_dsar_exports_request_id"), ["request_id"], unique=False)
    op.create_table(
        "dsar_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("at", UTC, nullable=False),
        _fk("dsar_disclosures", "candidate_id", "candidates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_disclosures")),
    )
    with op.batch_alter_table("dsar_disclosures") as batch_op:
        batch_op.create_index(batch_op.f("ix_dsar_disclosures_candidate_id"), ["candidate_id"], unique=False)
    op.create_table(
        "dsar_erasure_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("receipt", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("at", UTC, nullable=False),
        _fk("dsar_erasure_receipts", "request_id", "dsar_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_erasure_receipts")),
    )
    with op.batch_alter_table("dsar_erasure_receipts") as batch_op:
        batch_op.create_index(batch_op.f("ix_dsar_erasure_receipts_request_id"), ["request_id"], unique=False)
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", UTC, nullable=False),
        sa.Column("released_at", UTC, nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds") as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_target_id"), ["target_id"], unique=False)
    op.create_table(
        "retention_purges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("purged", sa.Integer(), nullable=False),
        sa.Column("ids", sa.JSON(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_purges")),
    )
    with op.batch_alter_table("retention_purges") as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_purges_run_id"), ["run_id"], unique=False)
    op.create_table(
        "retention_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_until", UTC, nullable=True),
        sa.Column("last_run_at", UTC, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_lock")),
    )


def downgrade() -> None:
    for table in (
        "retention_lock",
        "retention_purges",
        "legal_holds",
        "dsar_erasure_receipts",
        "dsar_disclosures",
        "dsar_exports",
        "dsar_requests",
    ):
        op.drop_table(table)
