"""Bringing a database up to date: migrations, the topic catalogue, the first feeds."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from jobs.catalogue import load_feeds, load_topics
from storage import db
from storage.feeds import add_feed
from storage.models import Feed
from storage.topics import TopicRow, sync_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prepared:
    revision_before: str | None
    revision_after: str | None
    topics: int
    feeds_added: int


async def prepare_database(engine: AsyncEngine, topics_file: Path, feeds_file: Path) -> Prepared:
    """Migrate to head, sync the topics file, and add the feeds file's feeds to an empty table.

    Idempotent: a second call changes nothing. Feeds are seeded only while the
    feeds table is empty, so a feed removed with ``briefbot feeds remove`` stays removed.
    """
    topics = load_topics(topics_file)
    feeds = load_feeds(feeds_file)
    before, after = await db.upgrade(engine)
    sessions = db.create_sessionmaker(engine)
    added = 0
    async with sessions.begin() as session:
        await sync_topics(session, [TopicRow(t.slug, t.name, t.emoji) for t in topics])
        if not await session.scalar(select(func.count()).select_from(Feed)):
            for feed in feeds:
                _, created = await add_feed(session, feed.url, feed.title)
                added += created
    if before != after:
        log.info("database migrated from %s to %s", before or "empty", after)
    return Prepared(before, after, len(topics), added)
