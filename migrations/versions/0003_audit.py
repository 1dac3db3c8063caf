"""audit log: hash-chained entries, signed checkpoints, the chain head; UPDATE and DELETE refused

Revision ID: 0003_audit
Revises: 0002_vault
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = "0003_audit"
down_revision: str | None = "0002_vault"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_entries", "audit_checkpoints")


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_subject"), ["subject"], unique=False)

    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", candor.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prev_checkpoint_hash", sa.String(length=64), nullable=False),
        sa.Column("checkpoint_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("checkpoint_hash", name=op.f("uq_audit_checkpoints_checkpoint_hash")),
    )
    with op.batch_alter_table("audit_checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_checkpoints_head_seq"), ["head_seq"], unique=False)

    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", candor.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64, "updated_at": None}])

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_guards()
    else:
        _sqlite_guards()


def _postgresql_guards() -> None:
    op.execute("""
        CREATE FUNCTION candor_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$""")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION candor_audit_refuse()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION candor_audit_refuse()")
    op.execute("""
        CREATE FUNCTION candor_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
                RAISE EXCEPTION 'audit_chain_head only moves forward: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE OR DELETE ON audit_chain_head "
               "FOR EACH ROW EXECUTE FUNCTION candor_audit_head_forward()")


def _sqlite_guards() -> None:
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END")
    op.execute("CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head "
               "WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id "
               "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward: UPDATE refused'); END")
    op.execute("CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
               "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward: DELETE refused'); END")


def downgrade() -> None:
    # Dropping the tables drops their triggers; the audit log is evidence, so think twice before running this.
    op.drop_table("audit_chain_head")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS candor_audit_head_forward()")
        op.execute("DROP FUNCTION IF EXISTS candor_audit_refuse()")
