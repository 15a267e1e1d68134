"""Mailboxes: the messages a mailbox source delivered, once per Message-ID.

A mailbox is a row in ``feeds`` (its URL ``imaps://user@host:port/folder``,
never a password); ``mail_messages`` makes storing a message idempotent, so
a message read again (the bot stopped between storing it and flagging it
read) adds nothing.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("source", sa.String(length=256), nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Text(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_mail_messages_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["brief_id"],
            ["briefs.id"],
            name=op.f("fk_mail_messages_brief_id_briefs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint(
            "feed_id", "message_id", name=op.f("uq_mail_messages_feed_id_message_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("mail_messages")
