"""Planning writes its rows without a foreign-key check per row.

A planning run writes, per due subscriber, a digest and an outbox row, and per
group a story list with its items. On PostgreSQL each foreign key on those
rows is a trigger that looks up and locks the parent row, once per inserted
row: with a million subscribers the four keys below cost about a second per
50,000 subscribers, a quarter of the whole run (the digests' key alone locks
every subscriber row, rewriting each subscriber page). They guard nothing the
code does not keep true itself:

- ``digests.subscriber_id``: the planner reads the subscribers it writes for
  in the same transaction; ``storage.subscribers.forget`` deletes a chat's
  outbox rows and digests before the chat itself. A digest planned for a chat
  that /forget deleted meanwhile is never sent: the sender loads a digest
  with its subscriber, and a digest without one is "gone".
- ``outbox.digest_id``: outbox rows are written right after their digests,
  in the same transaction, and deleted with them (``forget``).
- ``story_list_items.list_id``: items are written right after their list and
  deleted before it (``storage.digests.delete_unused_lists``).
- ``story_list_items.story_id``: briefbot never deletes stories; a list that
  names a story deleted by hand shows the others (readers skip a missing one).

The indexes stay: the unique (subscriber, local date) of digests, the unique
digest id of the outbox, the unique (list, story) of items and the lookups.

SQLite drops a foreign key by rebuilding the table (batch mode). The outbox
is rebuilt first, so that rebuilding ``digests`` (dropping the old table)
cascades into no outbox row; downgrading adds the outbox's key back last for
the same reason.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: its keys as (constraint, column, parent table). Rebuilt in this order on SQLite.
KEYS = {
    "outbox": [("fk_outbox_digest_id_digests", "digest_id", "digests")],
    "digests": [("fk_digests_subscriber_id_subscribers", "subscriber_id", "subscribers")],
    "story_list_items": [
        ("fk_story_list_items_list_id_story_lists", "list_id", "story_lists"),
        ("fk_story_list_items_story_id_stories", "story_id", "stories"),
    ],
}


def upgrade() -> None:
    for table, keys in KEYS.items():
        with op.batch_alter_table(table) as batch:
            for name, _column, _parent in keys:
                batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    # Rows the keys would refuse cannot stay: digests first, then the outbox rows of
    # digests that are gone.
    for table in ("digests", "outbox", "story_list_items"):
        for _name, column, parent in KEYS[table]:
            op.execute(
                f"DELETE FROM {table} WHERE {column} IS NOT NULL "
                f"AND {column} NOT IN (SELECT id FROM {parent})"
            )
    for table, keys in reversed(KEYS.items()):
        with op.batch_alter_table(table) as batch:
            for name, column, parent in keys:
                batch.create_foreign_key(name, parent, [column], ["id"], ondelete="CASCADE")
