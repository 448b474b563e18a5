"""apps: apps, versioned configs, conversations, messages, agent thoughts, end users

Revision ID: 7be77c61b298
Revises: a1c3e5f7b9d2
Create Date: 2026-12-02 07:43:10.959928

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7be77c61b298'
down_revision = 'a1c3e5f7b9d2'  # chained after the API tools revision (merged from h/tools-api)
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('app',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('icon', sa.String(length=512), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_config_id', sa.Uuid(), nullable=True),
    sa.Column('debug_conversation_id', sa.Uuid(), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_app_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app')),
    sa.UniqueConstraint('token', name=op.f('uq_app_token'))
    )
    with op.batch_alter_table('app', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_account_id'), ['account_id'], unique=False)

    op.create_table('app_config_version',
    sa.Column('app_id', sa.Uuid(), nullable=False),
    sa.Column('config_type', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_app_config_version_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_app_config_version_app_id_app'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_config_version')),
    sa.UniqueConstraint('app_id', 'config_type', 'version', name='uq_app_config_version_app_id_type_version')
    )
    with op.batch_alter_table('app_config_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_config_version_account_id'), ['account_id'], unique=False)

    op.create_table('conversation',
    sa.Column('app_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('is_pinned', sa.Boolean(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('invoke_from', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_conversation_app_id_app'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation'))
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_app_id'), ['app_id'], unique=False)
        batch_op.create_index('ix_conversation_created_by_invoke_from_app_id', ['created_by', 'invoke_from', 'app_id'], unique=False)

    op.create_table('end_user',
    sa.Column('app_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_end_user_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_end_user_app_id_app'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_end_user'))
    )
    with op.batch_alter_table('end_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_end_user_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_end_user_app_id'), ['app_id'], unique=False)

    op.create_table('message',
    sa.Column('app_id', sa.Uuid(), nullable=False),
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('invoke_from', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('image_urls', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('message_token_count', sa.Integer(), nullable=False),
    sa.Column('answer_token_count', sa.Integer(), nullable=False),
    sa.Column('total_token_count', sa.Integer(), nullable=False),
    sa.Column('price', sa.Float(), nullable=False),
    sa.Column('latency', sa.Float(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_message_app_id_app'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_message_conversation_id_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_app_id_created_at', ['app_id', 'created_at'], unique=False)
        batch_op.create_index('ix_message_conversation_id_created_at', ['conversation_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_task_id'), ['task_id'], unique=False)

    op.create_table('message_agent_thought',
    sa.Column('app_id', sa.Uuid(), nullable=False),
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('invoke_from', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('thought', sa.Text(), nullable=False),
    sa.Column('observation', sa.Text(), nullable=False),
    sa.Column('tool', sa.String(length=255), nullable=False),
    sa.Column('tool_input', sa.JSON(), nullable=False),
    sa.Column('message_token_count', sa.Integer(), nullable=False),
    sa.Column('answer_token_count', sa.Integer(), nullable=False),
    sa.Column('total_token_count', sa.Integer(), nullable=False),
    sa.Column('price', sa.Float(), nullable=False),
    sa.Column('latency', sa.Float(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_message_agent_thought_app_id_app'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_message_agent_thought_conversation_id_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_message_agent_thought_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_agent_thought'))
    )
    with op.batch_alter_table('message_agent_thought', schema=None) as batch_op:
        batch_op.create_index('ix_message_agent_thought_message_id_position', ['message_id', 'position'], unique=False)



def downgrade():
    with op.batch_alter_table('message_agent_thought', schema=None) as batch_op:
        batch_op.drop_index('ix_message_agent_thought_message_id_position')

    op.drop_table('message_agent_thought')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_task_id'))
        batch_op.drop_index('ix_message_conversation_id_created_at')
        batch_op.drop_index('ix_message_app_id_created_at')

    op.drop_table('message')
    with op.batch_alter_table('end_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_end_user_app_id'))
        batch_op.drop_index(batch_op.f('ix_end_user_account_id'))

    op.drop_table('end_user')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_created_by_invoke_from_app_id')
        batch_op.drop_index(batch_op.f('ix_conversation_app_id'))

    op.drop_table('conversation')
    with op.batch_alter_table('app_config_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_config_version_account_id'))

    op.drop_table('app_config_version')
    with op.batch_alter_table('app', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_account_id'))

    op.drop_table('app')
