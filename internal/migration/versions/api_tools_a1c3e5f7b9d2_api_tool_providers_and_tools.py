"""api tool providers and tools

Revision ID: a1c3e5f7b9d2
Revises: tools_builtin_credentials
Create Date: 2026-12-02 07:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1c3e5f7b9d2'
down_revision = 'tools_builtin_credentials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tool_provider',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('icon', sa.String(length=512), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('openapi_schema', sa.Text(), nullable=False),
    sa.Column('dialect', sa.String(length=16), nullable=False),
    sa.Column('server_url', sa.String(length=2048), nullable=False),
    sa.Column('encrypted_headers', sa.Text(), nullable=False),
    sa.Column('auth_type', sa.String(length=16), nullable=False),
    sa.Column('encrypted_auth', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_api_tool_provider_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tool_provider')),
    sa.UniqueConstraint('account_id', 'name', name='uq_api_tool_provider_account_id_name')
    )
    with op.batch_alter_table('api_tool_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tool_provider_account_id'), ['account_id'], unique=False)

    op.create_table('api_tool',
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('operation', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_api_tool_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['api_tool_provider.id'], name=op.f('fk_api_tool_provider_id_api_tool_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tool')),
    sa.UniqueConstraint('provider_id', 'name', name='uq_api_tool_provider_id_name')
    )
    with op.batch_alter_table('api_tool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tool_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_tool_provider_id'), ['provider_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tool_provider_id'))
        batch_op.drop_index(batch_op.f('ix_api_tool_account_id'))
    op.drop_table('api_tool')
    with op.batch_alter_table('api_tool_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tool_provider_account_id'))
    op.drop_table('api_tool_provider')
