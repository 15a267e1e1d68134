"""Story lists: digests share numbered story lists; deliveries are the digests' stories.

Before, every digest wrote a row per story twice (digest_items and
deliveries), a million rows each for 100,000 subscribers. Now a digest points
at an immutable story list that every digest with the same stories shares,
and what a subscriber was sent is the stories of their scheduled, on-demand
and instant digests.

Existing data is kept: each digest with items becomes a list of the same
stories under the digest's own id, and a delivery that no such digest covers
(none is written that way, but nothing is dropped on trust) becomes an
on-demand digest of the subscriber's leftover stories, dated by the earliest
delivery.

On SQLite the downgrade leaves an empty ``digests.list_id`` column behind:
dropping a column with a foreign key means rebuilding ``digests``, which,
with foreign keys on, would delete every outbox row through its cascade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DELIVERING = "('scheduled', 'on_demand', 'instant')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "story_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_lists")),
    )
    op.create_table(
        "story_list_items",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["story_lists.id"],
            name=op.f("fk_story_list_items_list_id_story_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_list_items_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "position", name=op.f("pk_story_list_items")),
        sa.UniqueConstraint(
            "list_id", "story_id", name=op.f("uq_story_list_items_list_id_story_id")
        ),
    )
    op.create_index(op.f("ix_story_list_items_story_id"), "story_list_items", ["story_id"])
    _add_list_column()
    op.create_index(op.f("ix_digests_list_id"), "digests", ["list_id"])

    op.execute(
        "INSERT INTO story_lists (id, created_at) SELECT d.id, d.created_at FROM digests d "
        "WHERE EXISTS (SELECT 1 FROM digest_items i WHERE i.digest_id = d.id)"
    )
    # A story listed twice in one digest keeps its first number.
    op.execute(
        "INSERT INTO story_list_items (list_id, position, story_id) "
        "SELECT i.digest_id, i.position, i.story_id FROM digest_items i "
        "WHERE i.position = (SELECT min(j.position) FROM digest_items j "
        "WHERE j.digest_id = i.digest_id AND j.story_id = i.story_id)"
    )
    op.execute("UPDATE digests SET list_id = id WHERE id IN (SELECT id FROM story_lists)")
    if not _sqlite():  # new lists are numbered after the ones just copied
        op.execute(
            "SELECT setval(pg_get_serial_sequence('story_lists', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM story_lists), false)"
        )
    _keep_uncovered_deliveries()
    op.drop_table("digest_items")
    op.drop_table("deliveries")


def _add_list_column() -> None:
    if not _sqlite():
        op.add_column("digests", sa.Column("list_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_digests_list_id_story_lists"), "digests", "story_lists", ["list_id"], ["id"]
        )
        return
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("digests")}
    if "list_id" not in columns:  # left behind by a downgrade (see the module's note)
        # ADD COLUMN, not a batch rebuild: rebuilding digests would cascade into the outbox.
        op.execute(
            "ALTER TABLE digests ADD COLUMN list_id INTEGER "
            "CONSTRAINT fk_digests_list_id_story_lists REFERENCES story_lists (id)"
        )


def _keep_uncovered_deliveries() -> None:
    """Deliveries no delivering digest lists: an on-demand digest per subscriber keeps them."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT v.subscriber_id, v.story_id, v.delivered_at FROM deliveries v "
            "WHERE NOT EXISTS (SELECT 1 FROM digests d JOIN story_list_items i "
            "ON i.list_id = d.list_id WHERE d.subscriber_id = v.subscriber_id "
            f"AND i.story_id = v.story_id AND d.kind IN {DELIVERING}) "
            "ORDER BY v.subscriber_id, v.delivered_at, v.story_id"
        )
    ).all()
    leftovers: dict[int, list[tuple[int, object]]] = {}
    for subscriber_id, story_id, delivered_at in rows:
        leftovers.setdefault(subscriber_id, []).append((story_id, delivered_at))
    for subscriber_id, stories in leftovers.items():
        created_at = stories[0][1]
        list_id = bind.execute(
            sa.text("INSERT INTO story_lists (created_at) VALUES (:at) RETURNING id"),
            {"at": created_at},
        ).scalar_one()
        bind.execute(
            sa.text(
                "INSERT INTO story_list_items (list_id, position, story_id) "
                "VALUES (:list_id, :position, :story_id)"
            ),
            [
                {"list_id": list_id, "position": n, "story_id": story_id}
                for n, (story_id, _) in enumerate(stories, 1)
            ],
        )
        bind.execute(
            sa.text(
                "INSERT INTO digests (subscriber_id, kind, local_date, more_count, list_id, "
                "created_at) VALUES (:subscriber_id, 'on_demand', NULL, 0, :list_id, :at)"
            ),
            {"subscriber_id": subscriber_id, "list_id": list_id, "at": created_at},
        )


def downgrade() -> None:
    op.create_table(
        "digest_items",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_items_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_digest_items_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest_id", "position", name=op.f("pk_digest_items")),
    )
    op.create_table(
        "deliveries",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_deliveries_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_deliveries_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "story_id", name=op.f("pk_deliveries")),
    )
    op.create_index(
        op.f("ix_deliveries_story_id_subscriber_id"), "deliveries", ["story_id", "subscriber_id"]
    )
    op.execute(
        "INSERT INTO digest_items (digest_id, position, story_id) "
        "SELECT d.id, i.position, i.story_id FROM digests d "
        "JOIN story_list_items i ON i.list_id = d.list_id"
    )
    op.execute(
        "INSERT INTO deliveries (subscriber_id, story_id, delivered_at) "
        "SELECT d.subscriber_id, i.story_id, min(d.created_at) FROM digests d "
        f"JOIN story_list_items i ON i.list_id = d.list_id WHERE d.kind IN {DELIVERING} "
        "GROUP BY d.subscriber_id, i.story_id"
    )
    op.drop_index(op.f("ix_digests_list_id"), table_name="digests")
    if _sqlite():
        op.execute("UPDATE digests SET list_id = NULL")
    else:
        op.drop_constraint(op.f("fk_digests_list_id_story_lists"), "digests", type_="foreignkey")
        op.drop_column("digests", "list_id")
    op.drop_index(op.f("ix_story_list_items_story_id"), table_name="story_list_items")
    op.drop_table("story_list_items")
    op.drop_table("story_lists")
