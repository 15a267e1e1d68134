"""Planning queues its digests as ranges of ids; senders make their outbox rows.

A planning run wrote, per due subscriber, a digest and an outbox row pointing
at it: two rows and seven index entries per subscriber, all in the planning
transaction, while the outbox row said nothing the digest did not (its chat,
and "send this from now on"). With a million subscribers the outbox rows
alone took about an eighth of the run. Now a run writes, per chunk of
subscribers, one ``outbox_ranges`` row: the digests of a kind with an id in
(after_id, last_id], to be sent from due_at. A sender claiming a batch first
turns the oldest due range's next digests into ordinary pending outbox rows
(with their chat as it is then) and moves the range's ``after_id`` up; the
range goes once it is empty. Everything after that is as before: claims,
leases, retries, outcomes, the unique digest id of the outbox.

A range is written in the transaction that writes its digests, so a sender
sees both or neither; on PostgreSQL senders lock the range they take from
(``FOR UPDATE SKIP LOCKED``), so two senders never take the same digests, and
the outbox's unique digest id refuses a second row all the same.

Downgrading gives the digests still waiting in ranges their outbox rows, so
that nothing planned is lost.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("scheduled", "on_demand", "search", "instant", "skipped")


def upgrade() -> None:
    op.create_table(
        "outbox_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *KINDS,
                name="outbox_range_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("after_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_ranges")),
    )


def downgrade() -> None:
    op.execute(
        "INSERT INTO outbox (subscriber_id, digest_id, kind, chat_id, status, attempts, "
        "next_attempt_at, created_at) "
        "SELECT d.subscriber_id, d.id, 'digest', s.chat_id, 'pending', 0, r.due_at, r.created_at "
        "FROM outbox_ranges r "
        "JOIN digests d ON d.id > r.after_id AND d.id <= r.last_id AND d.kind = r.kind "
        "JOIN subscribers s ON s.id = d.subscriber_id "
        "WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.digest_id = d.id)"
    )
    op.drop_table("outbox_ranges")
