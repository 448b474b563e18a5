"""account tokens_kept_jti: the token that changed the password stays valid

Revision ID: i13_account_0001
Revises: 7be77c61b298
Create Date: 2026-12-02 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i13_account_0001'
down_revision = '7be77c61b298'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens_kept_jti', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('tokens_kept_jti')
