"""Migrations: they build the schema the models describe, on both databases, idempotently."""

from __future__ import annotations

from datetime import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import channels, db, digests, events, mailboxes, subscribers, updates  # noqa: F401
from storage.models import Base, Brief, Digest, OutboxMessage, OutboxRange, Story, Subscriber
from storage.states import DigestKind
from storage.types import utcnow
from tests.conftest import BACKENDS


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_upgrade_builds_the_schema_and_a_second_run_changes_nothing(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        assert await db.current_revision(engine) is None

        first = await db.upgrade(engine)
        second = await db.upgrade(engine)

        assert first == (None, db.head_revision())
        assert second == (db.head_revision(), db.head_revision())

        def differences(connection: Connection) -> list[object]:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": db.include_object}
            )
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"subscribers", "stories", "digests", "outbox"} <= tables
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_database_url", ["sqlite"], indirect=True)
async def test_sqlite_files_are_opened_in_wal_mode_with_a_busy_timeout(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, timeout, foreign_keys) == ("wal", db.SQLITE_BUSY_TIMEOUT_MS, 1)
    finally:
        await engine.dispose()


async def _at_0005_with_digests(engine: AsyncEngine) -> dict[str, int]:
    """A database at 0005 holding a subscriber, three stories, a scheduled digest of
    stories 1-2 (delivered), a search digest of story 3, and story 3 delivered on its own."""
    await db.upgrade(engine, "0005")
    now = utcnow()
    async with engine.begin() as connection:
        subscriber_id = (
            await connection.execute(
                insert(Subscriber).returning(Subscriber.id),
                {
                    "chat_id": 4242,
                    "chat_type": "private",
                    "timezone": "UTC",
                    "digest_time": time(7, 30),
                    "created_at": now,
                    "updated_at": now,
                },
            )
        ).scalar_one()
        brief_id = (
            await connection.execute(
                insert(Brief).returning(Brief.id),
                {"key": "brief", "title": "Brief", "ingested_at": now},
            )
        ).scalar_one()
        story_ids = [
            (
                await connection.execute(
                    insert(Story).returning(Story.id),
                    {
                        "brief_id": brief_id,
                        "position": n,
                        "title": f"Story {n}",
                        "text": "Text.",
                        "content_key": f"story-{n}",
                        "ingested_at": now,
                    },
                )
            ).scalar_one()
            for n in (1, 2, 3)
        ]
        digest = text(
            "INSERT INTO digests (subscriber_id, kind, local_date, more_count, created_at) "
            "VALUES (:s, :kind, NULL, 0, :at) RETURNING id"
        )
        scheduled = (
            await connection.execute(digest, {"s": subscriber_id, "kind": "scheduled", "at": now})
        ).scalar_one()
        search = (
            await connection.execute(digest, {"s": subscriber_id, "kind": "search", "at": now})
        ).scalar_one()
        await connection.execute(
            text("INSERT INTO digest_items (digest_id, position, story_id) VALUES (:d, :p, :s)"),
            [
                {"d": scheduled, "p": 1, "s": story_ids[1]},
                {"d": scheduled, "p": 2, "s": story_ids[0]},
                {"d": search, "p": 1, "s": story_ids[2]},
            ],
        )
        await connection.execute(
            text(
                "INSERT INTO deliveries (subscriber_id, story_id, delivered_at) "
                "VALUES (:sub, :story, :at)"
            ),
            [{"sub": subscriber_id, "story": story, "at": now} for story in story_ids],
        )
        await connection.execute(
            text(
                "INSERT INTO outbox (subscriber_id, digest_id, kind, chat_id, status, attempts, "
                "next_attempt_at, created_at) VALUES (:sub, :d, 'digest', 4242, 'sent', 1, "
                ":at, :at)"
            ),
            {"sub": subscriber_id, "d": scheduled, "at": now},
        )
    return {"subscriber": subscriber_id, "scheduled": scheduled, "search": search}


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_story_lists_migration_keeps_every_digest_and_delivery(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        ids = await _at_0005_with_digests(engine)

        await db.upgrade(engine)

        async with db.create_sessionmaker(engine)() as session:
            scheduled = await digests.get_digest(session, ids["subscriber"], ids["scheduled"])
            search = await digests.get_digest(session, ids["subscriber"], ids["search"])
            assert scheduled is not None and search is not None
            titles = [s.title for s in await digests.digest_stories(session, scheduled)]
            assert titles == ["Story 2", "Story 1"]
            assert [s.title for s in await digests.digest_stories(session, search)] == ["Story 3"]
            # Story 3 was delivered outside any delivering digest: it is still not sent again.
            subscriber = await session.get(Subscriber, ids["subscriber"])
            assert subscriber is not None
            await subscribers.follow_keywords(session, 4242, ["text"])
            unseen = await digests.matching_stories(
                session, subscriber, since=None, limit=10, unseen_only=True
            )
            assert unseen == []
            sent = await session.scalar(select(func.count()).select_from(OutboxMessage))
            assert sent == 1
            created = await digests.create_digest(
                session, ids["subscriber"], DigestKind.ON_DEMAND, [scheduled.items[0].story_id]
            )
            assert created.list_id is not None and created.list_id > search.id
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_story_lists_migration_downgrades_and_upgrades_again_without_loss(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        ids = await _at_0005_with_digests(engine)
        await db.upgrade(engine)

        await _downgrade(engine, "0005")
        async with engine.connect() as connection:
            items = (
                await connection.execute(
                    text("SELECT digest_id, position FROM digest_items ORDER BY 1, 2")
                )
            ).all()
            delivered = await connection.scalar(text("SELECT count(*) FROM deliveries"))
            outbox_rows = await connection.scalar(text("SELECT count(*) FROM outbox"))
        await db.upgrade(engine)

        # The last digest is the on-demand one that kept the lone delivery of story 3.
        assert items[:3] == [(ids["scheduled"], 1), (ids["scheduled"], 2), (ids["search"], 1)]
        assert len(items) == 4 and items[3][1] == 1
        assert (delivered, outbox_rows) == (3, 1)
        assert await db.current_revision(engine) == db.head_revision()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_feed_templates_migration_downgrades_and_upgrades_again(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await db.upgrade(engine)
        await _downgrade(engine, "0007")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "feed_templates" not in tables and "feeds" in tables
        await db.upgrade(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "feed_templates" in tables
        assert await db.current_revision(engine) == db.head_revision()
    finally:
        await engine.dispose()


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    def run(connection: Connection) -> None:
        cfg = db.alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _rows(engine: AsyncEngine) -> tuple[list[object], list[object]]:
    async with engine.connect() as connection:
        digest_rows = (
            await connection.execute(text("SELECT id, list_id FROM digests ORDER BY id"))
        ).all()
        outbox_rows = (
            await connection.execute(
                text("SELECT id, subscriber_id, digest_id, status FROM outbox ORDER BY id")
            )
        ).all()
    return list(digest_rows), list(outbox_rows)


async def _referred_tables(engine: AsyncEngine, table: str) -> set[str]:
    async with engine.connect() as connection:
        keys = await connection.run_sync(lambda c: inspect(c).get_foreign_keys(table))
    return {key["referred_table"] for key in keys}


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_dropping_the_planners_redundant_keys_keeps_every_row_both_ways(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await _at_0005_with_digests(engine)
        await db.upgrade(engine, "0007")
        async with engine.begin() as connection:
            await connection.execute(
                insert(OutboxMessage),
                {"subscriber_id": None, "kind": "text", "chat_id": 1, "text": "Feed down"},
            )
        before = await _rows(engine)

        await db.upgrade(engine, "0012")
        upgraded = await _rows(engine)
        upgraded_keys = (
            await _referred_tables(engine, "outbox"),
            await _referred_tables(engine, "digests"),
        )
        await _downgrade(engine, "0007")
        downgraded = await _rows(engine)
        downgraded_keys = (
            await _referred_tables(engine, "outbox"),
            await _referred_tables(engine, "digests"),
        )
        await db.upgrade(engine)
        async with db.create_sessionmaker(engine).begin() as session:
            assert await subscribers.forget(session, 4242)

        assert len(before[0]) == 3 and len(before[1]) == 2
        assert upgraded == before and downgraded == before
        assert upgraded_keys == ({"digests"}, {"subscribers"})
        assert downgraded_keys == ({"digests", "subscribers"}, {"subscribers", "story_lists"})
        # The subscriber's digests took their outbox row along; the operators' text stays.
        digests_left, outbox_left = await _rows(engine)
        assert digests_left == [] and [row[1] for row in outbox_left] == [None]
        with pytest.raises(IntegrityError):  # the rebuilt outbox still checks its states
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE outbox SET status = 'lost' WHERE subscriber_id IS NULL")
                )
    finally:
        await engine.dispose()


async def _planned_keys(engine: AsyncEngine) -> dict[str, set[str]]:
    return {t: await _referred_tables(engine, t) for t in ("outbox", "digests", "story_list_items")}


async def _items(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT list_id, position, story_id FROM story_list_items ORDER BY 1, 2")
        )
        return list(found.all())


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_planning_without_row_checks_keeps_every_row_and_forget_still_deletes_them(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        ids = await _at_0005_with_digests(engine)
        await db.upgrade(engine, "0016")
        async with engine.begin() as connection:
            await connection.execute(
                insert(OutboxMessage),
                {"subscriber_id": None, "kind": "text", "chat_id": 1, "text": "Feed down"},
            )
        before = (await _rows(engine), await _items(engine))

        await db.upgrade(engine, "0017")
        upgraded = (await _rows(engine), await _items(engine))
        upgraded_keys = await _planned_keys(engine)
        await _downgrade(engine, "0016")
        downgraded = (await _rows(engine), await _items(engine))
        downgraded_keys = await _planned_keys(engine)
        await db.upgrade(engine)
        with pytest.raises(IntegrityError):  # still one outbox row per digest
            async with engine.begin() as connection:
                await connection.execute(
                    insert(OutboxMessage),
                    {"digest_id": ids["scheduled"], "kind": "digest", "chat_id": 4242},
                )
        async with db.create_sessionmaker(engine).begin() as session:
            assert await subscribers.forget(session, 4242)

        assert len(before[0][0]) == 3 and len(before[0][1]) == 2 and len(before[1]) == 4
        assert upgraded == before and downgraded == before
        assert upgraded_keys == {"outbox": set(), "digests": set(), "story_list_items": set()}
        assert downgraded_keys == {
            "outbox": {"digests"},
            "digests": {"subscribers"},
            "story_list_items": {"story_lists", "stories"},
        }
        # Without cascades, forget deleted the chat's outbox row, digests and lists itself.
        (digests_left, outbox_left), items_left = await _rows(engine), await _items(engine)
        assert digests_left == [] and items_left == []
        assert [row[1] for row in outbox_left] == [None]
    finally:
        await engine.dispose()


async def _outbox_columns(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda c: {column["name"] for column in inspect(c).get_columns("outbox")}
        )


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_dropping_reply_markup_keeps_the_outbox_rows_and_downgrades_again(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await _at_0005_with_digests(engine)
        await db.upgrade(engine, "0007")
        assert "reply_markup" in await _outbox_columns(engine)

        await db.upgrade(engine, "0008")
        dropped = await _outbox_columns(engine)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT chat_id, status FROM outbox"))).all()
        await _downgrade(engine, "0007")
        restored = await _outbox_columns(engine)
        async with engine.connect() as connection:
            markup = (await connection.execute(text("SELECT reply_markup FROM outbox"))).all()
        await db.upgrade(engine)

        assert "reply_markup" not in dropped and {"chat_id", "status", "text"} <= dropped
        assert rows == [(4242, "sent")]
        assert "reply_markup" in restored and markup == [(None,)]
        # The status check still holds after the column went and came back.
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text("UPDATE outbox SET status = 'lost'"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_every_later_revision_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    # PostgreSQL goes all the way down. SQLite stops at 0006: its downgrade of 0006 keeps
    # digests.list_id (rebuilding digests would cascade into the outbox), and the batch
    # rebuilds of the revisions below cannot reflect a key to the dropped story_lists.
    engine = db.create_engine(empty_database_url)
    bottom = "0006" if engine.dialect.name == "sqlite" else "base"

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        return {name for name in names if name != "alembic_version"}

    try:
        await db.upgrade(engine)
        await _downgrade(engine, bottom)
        left = await tables()
        at_bottom = await db.current_revision(engine)
        await db.upgrade(engine)

        assert at_bottom == (None if bottom == "base" else bottom)
        if bottom == "base":
            assert left == set()
        else:
            assert {"seen_updates", "feed_templates", "seeded_defaults"}.isdisjoint(left)
        assert {"subscribers", "stories", "outbox"} <= await tables()
        assert await db.current_revision(engine) == db.head_revision()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_the_events_migration_keeps_stories_and_downgrades_and_upgrades_again(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await _downgrade_after_upgrade(engine, "0015")
        async with engine.begin() as connection:
            await connection.execute(
                insert(Brief.__table__).values(id=1, key="k", title="t", ingested_at=utcnow())
            )
            await connection.execute(
                insert(Story.__table__).values(
                    id=1,
                    brief_id=1,
                    position=1,
                    title="t",
                    text="x",
                    content_key="c",
                    ingested_at=utcnow(),
                )
            )
        await db.upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO events (id, first_at, created_at) VALUES (1, :t, :t)"),
                {"t": utcnow()},
            )
            await connection.execute(
                text(
                    "INSERT INTO event_stories (story_id, event_id, at, shared) "
                    "VALUES (1, 1, :t, '[]')"
                ),
                {"t": utcnow()},
            )
        await _downgrade(engine, "0015")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            stories = await connection.scalar(select(func.count()).select_from(Story.__table__))
        assert "events" not in tables and "event_stories" not in tables and stories == 1
        await db.upgrade(engine)
        assert await db.current_revision(engine) == db.head_revision()
    finally:
        await engine.dispose()


async def _downgrade_after_upgrade(engine: AsyncEngine, revision: str) -> None:
    await db.upgrade(engine)
    await _downgrade(engine, revision)


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_downgrading_outbox_ranges_queues_the_digests_still_waiting_in_them(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await db.upgrade(engine)
        at = utcnow()
        async with engine.begin() as connection:
            for chat_id in (7001, 7002, 7003):
                await connection.execute(insert(Subscriber), {"id": chat_id, "chat_id": chat_id})
                await connection.execute(
                    insert(Digest),
                    {
                        "id": chat_id,
                        "subscriber_id": chat_id,
                        "kind": "scheduled",
                        "more_count": 0,
                        "created_at": at,
                    },
                )
            # 7001 was taken into the outbox already; 7002 and 7003 wait in the range.
            await connection.execute(
                insert(OutboxMessage),
                {"subscriber_id": 7001, "digest_id": 7001, "kind": "digest", "chat_id": 7001},
            )
            await connection.execute(
                insert(OutboxRange),
                {
                    "kind": "scheduled",
                    "after_id": 7001,
                    "last_id": 7003,
                    "waiting": 2,
                    "due_at": at,
                    "created_at": at,
                },
            )

        await _downgrade(engine, "0017")
        async with engine.connect() as connection:
            queued = await connection.execute(
                text("SELECT digest_id, chat_id, status FROM outbox ORDER BY digest_id")
            )
            rows = [tuple(row) for row in queued]
        await db.upgrade(engine)
    finally:
        await engine.dispose()

    assert rows == [(7001, 7001, "pending"), (7002, 7002, "pending"), (7003, 7003, "pending")]
