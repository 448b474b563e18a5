"""assistant agent: conversations, messages and agent thoughts may belong to no app

Revision ID: assistant_0001
Revises: workflows_0001
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'assistant_0001'
down_revision = 'workflows_0001'
branch_labels = None
depends_on = None

TABLES = ('conversation', 'message', 'message_agent_thought')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('app_id', existing_type=sa.Uuid(), nullable=True)


def downgrade():
    op.execute("DELETE FROM message_agent_thought WHERE app_id IS NULL")
    op.execute("DELETE FROM message WHERE app_id IS NULL")
    op.execute("DELETE FROM conversation WHERE app_id IS NULL")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('app_id', existing_type=sa.Uuid(), nullable=False)
