"""Audit events name their subject by table and id

Revision ID: a1d17e5b0c01
Revises: 5461387bcea5
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1d17e5b0c01'
down_revision = '5461387bcea5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_kind', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_event_subject', ['subject_kind', 'subject_id'], unique=False)
        batch_op.drop_column('subject')


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch_op.drop_index('ix_audit_event_subject')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_kind')
