"""workflows: workflows (draft and published graph), runs and node runs

Revision ID: workflows_0001
Revises: mcp_servers_0001
Create Date: 2026-12-03 11:42:29.291459

"""
import sqlalchemy as sa
from alembic import op

revision = 'workflows_0001'
down_revision = 'mcp_servers_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workflow',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('tool_call_name', sa.String(length=64), nullable=False),
    sa.Column('icon', sa.String(length=512), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('graph', sa.JSON(), nullable=False),
    sa.Column('draft_graph', sa.JSON(), nullable=False),
    sa.Column('is_debug_passed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_workflow_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow')),
    sa.UniqueConstraint('account_id', 'tool_call_name', name='uq_workflow_account_id_tool_call_name')
    )
    with op.batch_alter_table('workflow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_account_id'), ['account_id'], unique=False)

    op.create_table('workflow_result',
    sa.Column('workflow_id', sa.Uuid(), nullable=False),
    sa.Column('invoke_from', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('graph', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('system', sa.JSON(), nullable=False),
    sa.Column('outputs', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('error_node_id', sa.String(length=255), nullable=False),
    sa.Column('latency', sa.Float(), nullable=False),
    sa.Column('total_tokens', sa.Integer(), nullable=False),
    sa.Column('total_price', sa.Float(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_workflow_result_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflow.id'], name=op.f('fk_workflow_result_workflow_id_workflow'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_result'))
    )
    with op.batch_alter_table('workflow_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_result_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_result_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('workflow_node_run',
    sa.Column('result_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_workflow_node_run_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['workflow_result.id'], name=op.f('fk_workflow_node_run_result_id_workflow_result'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_node_run'))
    )
    with op.batch_alter_table('workflow_node_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_node_run_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_node_run_result_id'), ['result_id'], unique=False)


def downgrade():
    with op.batch_alter_table('workflow_node_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_node_run_result_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_node_run_account_id'))

    op.drop_table('workflow_node_run')
    with op.batch_alter_table('workflow_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_result_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_result_account_id'))

    op.drop_table('workflow_result')
    with op.batch_alter_table('workflow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_account_id'))

    op.drop_table('workflow')

