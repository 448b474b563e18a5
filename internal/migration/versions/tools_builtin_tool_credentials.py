"""builtin tool credentials

Revision ID: tools_builtin_credentials
Revises: f3fa92f51bd0
Create Date: 2026-12-02 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'tools_builtin_credentials'
down_revision = 'f3fa92f51bd0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('builtin_tool_credential',
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('encrypted_config', sa.Text(), nullable=False),
    sa.Column('masked_config', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_builtin_tool_credential_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_builtin_tool_credential')),
    sa.UniqueConstraint('account_id', 'provider', name='uq_builtin_tool_credential_account_provider')
    )
    with op.batch_alter_table('builtin_tool_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_builtin_tool_credential_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('builtin_tool_credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_builtin_tool_credential_account_id'))
    op.drop_table('builtin_tool_credential')
