"""Newsletters: each newsletter a mailbox receives is a row of ``feeds`` of its own.

A newsletter (by its List-Id, else its sender) is the unit of its briefs, its
layout template and its health, so two newsletters filed in one folder no
longer teach one template. ``feeds.kind`` says what a row is (feed, mailbox,
newsletter) and ``feeds.mailbox_id`` links a newsletter to its mailbox. The
briefs mailboxes stored before get their newsletter's row; downgrading gives
them back to their mailbox.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("feed", "mailbox", "newsletter")


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="feed")
        )
        batch.add_column(sa.Column("mailbox_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_feeds_mailbox_id_feeds"), "feeds", ["mailbox_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_feeds_mailbox_id"), ["mailbox_id"])
        batch.create_check_constraint(
            "feed_kind", "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"
        )
    with op.batch_alter_table("feeds") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=16), server_default=None)
    op.execute(
        "UPDATE feeds SET kind = 'mailbox' WHERE url LIKE 'imaps://%' OR url LIKE 'imap://%'"
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO feeds (url, title, kind, mailbox_id, enabled, consecutive_failures, "
            "created_at) "
            "SELECT 'mail:' || m.source, MIN(m.source), 'newsletter', MIN(m.feed_id), :enabled, "
            "0, MIN(m.stored_at) FROM mail_messages m "
            "WHERE m.brief_id IS NOT NULL AND m.source <> '' AND NOT EXISTS "
            "(SELECT 1 FROM feeds f WHERE f.url = 'mail:' || m.source) GROUP BY m.source"
        ),
        {"enabled": True},
    )
    op.execute(
        "UPDATE briefs SET feed_id = (SELECT MIN(f.id) FROM feeds f JOIN mail_messages m "
        "ON f.url = 'mail:' || m.source WHERE m.brief_id = briefs.id) "
        "WHERE id IN (SELECT brief_id FROM mail_messages WHERE source <> '')"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE briefs SET feed_id = "
        "(SELECT f.mailbox_id FROM feeds f WHERE f.id = briefs.feed_id) "
        "WHERE feed_id IN (SELECT id FROM feeds WHERE kind = 'newsletter')"
    )
    op.execute(
        "DELETE FROM feed_templates "
        "WHERE feed_id IN (SELECT id FROM feeds WHERE kind = 'newsletter')"
    )
    op.execute("DELETE FROM feeds WHERE kind = 'newsletter'")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_constraint(op.f("ck_feeds_feed_kind"), type_="check")
        batch.drop_index(op.f("ix_feeds_mailbox_id"))
        batch.drop_constraint(op.f("fk_feeds_mailbox_id_feeds"), type_="foreignkey")
        batch.drop_column("mailbox_id")
        batch.drop_column("kind")
