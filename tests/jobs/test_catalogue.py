"""Bringing a database up to date: default feeds seeded once, topics following their file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, column, insert, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from jobs.catalogue import add_default_feeds, load_feeds, prepare_database
from storage import db, mutes, routes, subscribers
from storage.feeds import list_feeds, remove_feed
from storage.models import Feed, Topic
from storage.topics import TopicRow, sync_topics
from storage.types import utcnow
from tests.conftest import BACKENDS, SEEDS

TOPICS = SEEDS / "topics.toml"
FEEDS = SEEDS / "feeds.toml"
DEFAULTS = {f.url for f in load_feeds(FEEDS)}
OWN = "https://example.org/own.xml"


async def feed_urls(engine: AsyncEngine) -> set[str]:
    async with db.create_sessionmaker(engine)() as session:
        return {f.url for f in await list_feeds(session)}


async def remove_every_feed(engine: AsyncEngine) -> None:
    async with db.create_sessionmaker(engine).begin() as session:
        for feed in await list_feeds(session):
            assert await remove_feed(session, str(feed.id))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    def run(connection: Connection) -> None:
        cfg = db.alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


@pytest.fixture
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a new, empty database (not the shared migrated one)."""
    engine = db.create_engine(empty_database_url)
    yield engine
    await engine.dispose()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_a_new_database_gets_the_default_feeds_once_and_an_emptied_list_stays_empty(
    engine: AsyncEngine,
) -> None:
    first = await prepare_database(engine, TOPICS, FEEDS)
    await remove_every_feed(engine)
    again = [await prepare_database(engine, TOPICS, FEEDS) for _ in range(2)]

    assert first.feeds_added == len(DEFAULTS) > 0
    assert [p.feeds_added for p in again] == [0, 0]
    assert await feed_urls(engine) == set()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_upgrading_a_database_that_has_feeds_seeds_nothing(engine: AsyncEngine) -> None:
    await db.upgrade(engine, "0007")
    async with engine.begin() as connection:
        columns = ("url", "enabled", "consecutive_failures", "created_at")
        feeds_then = table("feeds", *(column(name) for name in columns))  # the 0007 schema
        await connection.execute(
            insert(feeds_then), {"url": OWN, "enabled": True, "consecutive_failures": 0,
                                 "created_at": utcnow()},
        )  # fmt: skip

    prepared = await prepare_database(engine, TOPICS, FEEDS)

    assert (prepared.revision_before, prepared.feeds_added) == ("0007", 0)
    assert await feed_urls(engine) == {OWN}


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_upgrading_a_database_whose_feeds_were_all_removed_seeds_nothing(
    engine: AsyncEngine,
) -> None:
    # Before seeding was recorded, every start synced the topics, with or without feeds.
    await db.upgrade(engine, "0007")
    async with db.create_sessionmaker(engine).begin() as session:
        await sync_topics(session, [TopicRow("gaza", "Gaza", "")])

    prepared = await prepare_database(engine, TOPICS, FEEDS)

    assert prepared.feeds_added == 0
    assert await feed_urls(engine) == set()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_a_downgrade_and_upgrade_does_not_bring_removed_feeds_back(
    engine: AsyncEngine,
) -> None:
    await prepare_database(engine, TOPICS, FEEDS)
    await remove_every_feed(engine)

    await downgrade(engine, "0007")
    prepared = await prepare_database(engine, TOPICS, FEEDS)

    assert (prepared.revision_before, prepared.feeds_added) == ("0007", 0)
    assert await feed_urls(engine) == set()


@pytest.mark.parametrize("empty_database_url", ["sqlite"], indirect=True)
async def test_adding_the_defaults_again_adds_only_the_missing_ones(engine: AsyncEngine) -> None:
    await prepare_database(engine, TOPICS, FEEDS)
    sessions = db.create_sessionmaker(engine)
    gone = sorted(DEFAULTS)[0]
    async with sessions.begin() as session:
        assert await remove_feed(session, gone)
        await session.execute(insert(Feed), {"url": OWN, "created_at": utcnow()})

    async with sessions.begin() as session:
        first = await add_default_feeds(session, load_feeds(FEEDS))
    async with sessions.begin() as session:
        second = await add_default_feeds(session, load_feeds(FEEDS))

    assert (first, second) == (1, 0)
    assert await feed_urls(engine) == DEFAULTS | {OWN}


def topics_file(path: Path, topics: dict[str, str]) -> Path:
    path.write_text(
        "".join(
            f'[[topic]]\nslug = "{slug}"\nname = "{name}"\nkeywords = ["{slug}"]\n'
            for slug, name in topics.items()
        )
    )
    return path


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_topics_follow_their_file_and_a_removed_topic_does_not_come_back(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    full = topics_file(tmp_path / "full.toml", {"gaza": "Gaza", "trade": "Trade"})
    fewer = topics_file(tmp_path / "fewer.toml", {"trade": "World trade"})
    await prepare_database(engine, full, FEEDS)
    sessions = db.create_sessionmaker(engine)
    async with sessions.begin() as session:
        subscriber, _ = await subscribers.subscribe(session, 77, chat_type="supergroup")
        await subscribers.set_topics(session, 77, ["gaza", "trade"])
        assert await mutes.mute_topic(session, subscriber.id, "gaza")
        assert await routes.route_topic(session, subscriber.id, "gaza", 5)

    for _ in range(2):
        await prepare_database(engine, fewer, FEEDS)
    async with sessions() as session:
        names = list(await session.execute(select(Topic.slug, Topic.name)))
        follows = (await subscribers.get_subscriber(session, 77)).topic_slugs  # type: ignore[union-attr]
        muted = (await mutes.list_mutes(session, subscriber.id)).topics
        routed = await routes.routes_of(session, subscriber.id)
    await prepare_database(engine, full, FEEDS)
    async with sessions() as session:
        back = (await subscribers.get_subscriber(session, 77)).topic_slugs  # type: ignore[union-attr]

    assert [tuple(row) for row in names] == [("trade", "World trade")]
    assert (follows, muted, routed) == (["trade"], [], {})
    assert back == ["trade"], "a topic put back in the file starts with no followers"
