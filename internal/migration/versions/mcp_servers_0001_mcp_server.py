"""mcp servers: connected MCP servers and their cached tool lists

Revision ID: mcp_servers_0001
Revises: i13_account_0001
Create Date: 2026-12-02 21:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'mcp_servers_0001'
down_revision = 'i13_account_0001'  # chained after the account tokens_kept_jti revision
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mcp_server',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('icon', sa.String(length=512), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('encrypted_headers', sa.Text(), nullable=False),
    sa.Column('transport', sa.String(length=16), nullable=False),
    sa.Column('server_name', sa.String(length=255), nullable=False),
    sa.Column('tools', sa.JSON(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_mcp_server_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mcp_server')),
    sa.UniqueConstraint('account_id', 'name', name='uq_mcp_server_account_id_name')
    )
    with op.batch_alter_table('mcp_server', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mcp_server_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mcp_server', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mcp_server_account_id'))
    op.drop_table('mcp_server')
