"""Planning writes a digest and an outbox row per subscriber without two redundant checks.

Two foreign keys were checked once per row on the planner's hottest inserts
and guard nothing the schema does not guard already:

- ``outbox.subscriber_id``: every outbox row with a subscriber belongs to a
  digest, and deleting the subscriber deletes its digests, which delete their
  outbox rows (``outbox.digest_id`` cascades); operators' texts have no
  subscriber.
- ``digests.list_id``: story lists are written in the planner's transaction
  right before the digests that point at them, and are deleted only when no
  digest points at them (``storage.digests.delete_unused_lists``, through the
  index on ``digests.list_id``, which stays).

On PostgreSQL each such check is a locking lookup in the parent table: with a
million subscribers the two cost planning about as much as writing the rows.

SQLite drops a foreign key by rebuilding the table (batch mode). Dropping the
old ``digests`` deletes, by cascade, every outbox row, so those are kept aside
and put back.

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX_SUBSCRIBER = "fk_outbox_subscriber_id_subscribers"
DIGEST_LIST = "fk_digests_list_id_story_lists"
# SQLite does not report the name of a key declared with its column (as 0006 added
# digests.list_id): batch mode names what it reflects by the models' convention.
NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        op.drop_constraint(OUTBOX_SUBSCRIBER, "outbox", type_="foreignkey")
        op.drop_constraint(DIGEST_LIST, "digests", type_="foreignkey")
        return
    with op.batch_alter_table("outbox", naming_convention=NAMES) as batch:
        batch.drop_constraint(OUTBOX_SUBSCRIBER, type_="foreignkey")
    _keeping_the_outbox(_drop_digest_list_key)


def downgrade() -> None:
    # Rows that the dropped keys would have refused cannot stay: digests of lists
    # that are gone lose the list, outbox rows of subscribers who are gone go.
    op.execute(
        "UPDATE digests SET list_id = NULL WHERE list_id IS NOT NULL "
        "AND list_id NOT IN (SELECT id FROM story_lists)"
    )
    op.execute(
        "DELETE FROM outbox WHERE subscriber_id IS NOT NULL "
        "AND subscriber_id NOT IN (SELECT id FROM subscribers)"
    )
    if not _sqlite():
        op.create_foreign_key(
            OUTBOX_SUBSCRIBER,
            "outbox",
            "subscribers",
            ["subscriber_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.create_foreign_key(DIGEST_LIST, "digests", "story_lists", ["list_id"], ["id"])
        return
    with op.batch_alter_table("outbox") as batch:
        batch.create_foreign_key(
            OUTBOX_SUBSCRIBER, "subscribers", ["subscriber_id"], ["id"], ondelete="CASCADE"
        )
    _keeping_the_outbox(_add_digest_list_key)


def _drop_digest_list_key() -> None:
    with op.batch_alter_table("digests", naming_convention=NAMES) as batch:
        batch.drop_constraint(DIGEST_LIST, type_="foreignkey")


def _add_digest_list_key() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.create_foreign_key(DIGEST_LIST, "story_lists", ["list_id"], ["id"])


def _keeping_the_outbox(rebuild_digests: object) -> None:
    """Rebuild ``digests`` on SQLite without losing the outbox rows its old table cascades to."""
    op.execute("CREATE TEMPORARY TABLE outbox_kept AS SELECT * FROM outbox")
    rebuild_digests()  # type: ignore[operator]
    op.execute(
        "INSERT INTO outbox SELECT * FROM outbox_kept WHERE id NOT IN (SELECT id FROM outbox)"
    )
    op.execute("DROP TABLE outbox_kept")
