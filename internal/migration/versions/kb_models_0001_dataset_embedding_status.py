"""dataset embedding_status and embedding_generation: a dataset's embedding model can change (re-embedding)

Revision ID: kb_models_0001
Revises: assistant_0001
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'kb_models_0001'
down_revision = 'assistant_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embedding_status', sa.String(length=32), nullable=False, server_default='ready'))
        batch_op.add_column(sa.Column('embedding_generation', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.drop_column('embedding_generation')
        batch_op.drop_column('embedding_status')
