"""audit log on PostgreSQL: entries are staged in the transaction and chained by a trigger as it commits

Revision ID: 0017_audit_staging
Revises: 0016_provisioning

Appending used to lock the chain head, hash in the application, insert and then commit: three round trips
between the application and the database while every other appender waited. Now the application inserts each
entry into ``audit_staging`` (no lock), with its canonical form cut where the chain's values go, and a
deferred constraint trigger chains the staged entries when the transaction commits: the head is locked from
then until the commit has reached the disk, and no round trip to the application happens in between. The
hashes are the same as before (``candor.audit.verify`` checks both kinds of entry alike). SQLite keeps the
in-application append: it has one writer at a time anyway.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_audit_staging"
down_revision: str | None = "0016_provisioning"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # UNLOGGED: a staged row never outlives its transaction (the trigger deletes it before the commit ends), so
    # writing it to the WAL would only slow every commit down.
    op.execute("""
        CREATE UNLOGGED TABLE audit_staging (
            id BIGSERIAL PRIMARY KEY,
            actor VARCHAR(100) NOT NULL,
            action VARCHAR(100) NOT NULL,
            subject VARCHAR(200) NOT NULL,
            purpose VARCHAR(100) NOT NULL,
            outcome VARCHAR(20) NOT NULL,
            details JSON NOT NULL,
            before_prev TEXT NOT NULL,
            before_seq TEXT NOT NULL,
            before_time TEXT NOT NULL
        )""")
    # The canonical form of an entry is its nine fields as JSON with sorted keys (candor.audit.verify); the
    # application sends it cut into three parts around prev_hash, seq and time, which only the head knows.
    op.execute("""
        CREATE FUNCTION candor_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            head_seq BIGINT;
            head_hash TEXT;
            at TIMESTAMPTZ;
            digest TEXT;
        BEGIN
            SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'The audit chain head row is missing; run ''candor db upgrade'' (0003_audit).';
            END IF;
            -- Read the clock under the lock, so that times never go backwards along the chain.
            at := clock_timestamp();
            digest := encode(sha256(convert_to(
                NEW.before_prev || head_hash || NEW.before_seq || (head_seq + 1)::TEXT || NEW.before_time
                || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"}', 'UTF8')), 'hex');
            INSERT INTO audit_entries (seq, recorded_at, actor, action, subject, purpose, outcome, details,
                                       prev_hash, hash)
            VALUES (head_seq + 1, at, NEW.actor, NEW.action, NEW.subject, NEW.purpose, NEW.outcome, NEW.details,
                    head_hash, digest);
            UPDATE audit_chain_head SET seq = head_seq + 1, hash = digest, updated_at = at WHERE id = 1;
            DELETE FROM audit_staging WHERE id = NEW.id;
            RETURN NULL;
        END $$""")
    op.execute("CREATE CONSTRAINT TRIGGER audit_staging_chain AFTER INSERT ON audit_staging "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION candor_audit_chain()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE audit_staging")  # drops its trigger
    op.execute("DROP FUNCTION candor_audit_chain()")
