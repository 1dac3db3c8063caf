"""vault: data subjects, encrypted candidate fields and blind indexes

Revision ID: 0002_vault
Revises: 0001_initial
Create Date: 2026-11-26 10:00:00

Candidate name, e-mail, phone and external id become sealed bytes with blind indexes beside them. Values
cannot be encrypted here (keys come from the app's key provider), so the upgrade refuses to run over a
candidates table that already holds rows rather than lose them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import candor.db.base

revision: str = '0002_vault'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = ('external_ref', 'full_name', 'email', 'phone')


def _refuse_if_candidates_exist() -> None:
    count = op.get_bind().execute(sa.text('SELECT count(*) FROM candidates')).scalar()
    if count:
        raise RuntimeError(
            f'The candidates table holds {count} rows in plaintext. This migration makes those columns '
            'encrypted and cannot encrypt existing rows: export them, empty the table, upgrade, and import '
            'them again through the application (which encrypts them).'
        )


def upgrade() -> None:
    _refuse_if_candidates_exist()
    op.create_table('data_subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('kek_id', sa.String(length=64), nullable=True),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', candor.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rewrapped_at', candor.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('destroyed_at', candor.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_subjects')),
    sa.UniqueConstraint('handle', name=op.f('uq_data_subjects_handle'))
    )
    with op.batch_alter_table('data_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_subjects_destroyed_at'), ['destroyed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_subjects_kek_id'), ['kek_id'], unique=False)

    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_external_ref'))
        for name in SEALED:
            batch_op.drop_column(name)
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=32), nullable=False))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('external_ref', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('external_ref_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('full_name', sa.LargeBinary(), nullable=False))
        batch_op.add_column(sa.Column('email', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('email_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('phone_index', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_candidates_uid'), ['uid'])
        batch_op.create_foreign_key(batch_op.f('fk_candidates_subject_id_data_subjects'), 'data_subjects',
                                    ['subject_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_candidates_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_email_index'), ['email_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_phone_index'), ['phone_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_external_ref_index'), ['external_ref_index'],
                              unique=False)


def downgrade() -> None:
    # Going back would mean decrypting into plaintext columns; refuse to drop encrypted data silently.
    _refuse_if_candidates_exist()
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_external_ref_index'))
        batch_op.drop_index(batch_op.f('ix_candidates_phone_index'))
        batch_op.drop_index(batch_op.f('ix_candidates_email_index'))
        batch_op.drop_index(batch_op.f('ix_candidates_subject_id'))
        batch_op.drop_constraint(batch_op.f('fk_candidates_subject_id_data_subjects'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_candidates_uid'), type_='unique')
        for name in ('uid', 'subject_id', 'external_ref_index', 'email_index', 'phone_index', *SEALED):
            batch_op.drop_column(name)
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_ref', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('full_name', sa.Text(), nullable=False))
        batch_op.add_column(sa.Column('email', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_candidates_external_ref'), ['external_ref'], unique=False)
    with op.batch_alter_table('data_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_subjects_kek_id'))
        batch_op.drop_index(batch_op.f('ix_data_subjects_destroyed_at'))
    op.drop_table('data_subjects')
