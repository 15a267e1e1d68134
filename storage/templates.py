"""Feed templates: how many of a feed's issues each block (by its layout key) appeared in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FeedTemplateBlock

MAX_KEYS_PER_FEED = 5000  # the oldest keys go when a feed's template grows past this


async def template_of(session: AsyncSession, feed_id: int, min_issues: int) -> frozenset[str]:
    """The keys of the blocks seen in at least ``min_issues`` of the feed's issues."""
    rows = await session.scalars(
        select(FeedTemplateBlock.key).where(
            FeedTemplateBlock.feed_id == feed_id, FeedTemplateBlock.issues >= min_issues
        )
    )
    return frozenset(rows)


async def learn(
    session: AsyncSession, feed_id: int, issues: Iterable[frozenset[str]], now: datetime
) -> None:
    """Count each issue's keys once for the feed, and trim the oldest past the cap."""
    counts: dict[str, int] = {}
    for keys in issues:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return
    existing = {
        row.key: row
        for row in await session.scalars(
            select(FeedTemplateBlock).where(
                FeedTemplateBlock.feed_id == feed_id, FeedTemplateBlock.key.in_(list(counts))
            )
        )
    }
    for key, count in counts.items():
        row = existing.get(key)
        if row is None:
            session.add(FeedTemplateBlock(feed_id=feed_id, key=key, issues=count, last_seen_at=now))
        else:
            row.issues += count
            row.last_seen_at = now
    await session.flush()
    stale = (
        select(FeedTemplateBlock)
        .where(FeedTemplateBlock.feed_id == feed_id)
        .order_by(FeedTemplateBlock.last_seen_at.desc(), FeedTemplateBlock.issues.desc())
        .offset(MAX_KEYS_PER_FEED)
    )
    for row in await session.scalars(stale):
        await session.delete(row)
