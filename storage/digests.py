"""Digests: the numbered story lists a chat received, and what matches a subscriber.

``/story N`` reads story N of the latest digest (scheduled, on-demand or
search); ``matching_stories`` finds the stories a subscriber's topics or own
keywords selected; deliveries record what a chat was sent, so it never gets
the same story twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts
from storage.models import (
    Brief,
    Delivery,
    Digest,
    DigestItem,
    DigestKind,
    Story,
    StoryKeyword,
    StoryTopic,
    Subscriber,
)
from storage.types import utcnow

# Kinds a reader can open stories from with /story N (instant alerts are single stories).
READABLE_KINDS = (DigestKind.SCHEDULED, DigestKind.ON_DEMAND, DigestKind.SEARCH)


async def create_digest(
    session: AsyncSession,
    subscriber_id: int,
    kind: DigestKind,
    story_ids: Iterable[int],
    local_date: date | None = None,
    more_count: int = 0,
) -> Digest:
    """Store a numbered digest (positions from 1) and return it with its items."""
    digest = Digest(
        subscriber_id=subscriber_id,
        kind=kind,
        local_date=local_date,
        more_count=more_count,
        created_at=utcnow(),
    )
    session.add(digest)
    await session.flush()
    for position, story_id in enumerate(story_ids, 1):
        session.add(DigestItem(digest_id=digest.id, position=position, story_id=story_id))
    await session.flush()
    await session.refresh(digest, ["items"])
    return digest


async def latest_digest(session: AsyncSession, subscriber_id: int) -> Digest | None:
    """The most recent digest a chat received that /story N can read from."""
    result = await session.scalars(
        select(Digest)
        .where(Digest.subscriber_id == subscriber_id, Digest.kind.in_(READABLE_KINDS))
        .order_by(Digest.created_at.desc(), Digest.id.desc())
        .limit(1)
    )
    return result.first()


async def get_digest(session: AsyncSession, subscriber_id: int, digest_id: int) -> Digest | None:
    """One digest of this subscriber (None if it is someone else's or gone)."""
    digest = await session.get(Digest, digest_id)
    if digest is None or digest.subscriber_id != subscriber_id:
        return None
    return digest


async def digest_story(session: AsyncSession, digest: Digest, n: int) -> Story | None:
    """Story number ``n`` (from 1) of a digest, or None when there is no such number."""
    story_id = next((item.story_id for item in digest.items if item.position == n), None)
    if story_id is None:
        return None
    return await session.get(Story, story_id)


async def digest_stories(session: AsyncSession, digest: Digest) -> list[Story]:
    """The stories of a digest in their numbered order (deleted ones left out)."""
    ids = [item.story_id for item in digest.items]
    if not ids:
        return []
    by_id = {s.id: s for s in await session.scalars(select(Story).where(Story.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


async def matching_stories(
    session: AsyncSession,
    subscriber: Subscriber,
    *,
    since: datetime | None,
    limit: int,
    unseen_only: bool,
) -> list[Story]:
    """Stories tagged with a followed topic or containing a followed keyword.

    Newest briefs first, and in brief order within a brief. ``unseen_only``
    leaves out stories already delivered to this subscriber.
    """
    slugs = subscriber.topic_slugs
    keywords = subscriber.keyword_list
    if not slugs and not keywords:
        return []
    conditions = []
    if slugs:
        conditions.append(
            exists().where(StoryTopic.story_id == Story.id, StoryTopic.topic_slug.in_(slugs))
        )
    if keywords:
        conditions.append(
            exists().where(StoryKeyword.story_id == Story.id, StoryKeyword.keyword.in_(keywords))
        )
    query = select(Story).join(Brief, Brief.id == Story.brief_id).where(or_(*conditions))
    if since is not None:
        query = query.where(Story.ingested_at >= since)
    if unseen_only:
        query = query.where(
            ~exists().where(Delivery.subscriber_id == subscriber.id, Delivery.story_id == Story.id)
        )
    query = query.order_by(Brief.ingested_at.desc(), Brief.id.desc(), Story.position).limit(limit)
    return list(await session.scalars(query))


async def record_deliveries(
    session: AsyncSession, subscriber_id: int, story_ids: Iterable[int]
) -> None:
    """Remember that these stories reached the subscriber (recording twice is harmless)."""
    now = utcnow()
    rows = [
        {"subscriber_id": subscriber_id, "story_id": sid, "delivered_at": now}
        for sid in dict.fromkeys(story_ids)
    ]
    if rows:
        await session.execute(
            insert_ignoring_conflicts(session, Delivery.__table__),  # type: ignore[arg-type]
            rows,
        )


async def story_matches(
    session: AsyncSession, story_id: int
) -> tuple[list[StoryTopic], list[StoryKeyword]]:
    """Every topic tag and keyword hit of a story, with the terms that earned them."""
    topics = await session.scalars(
        select(StoryTopic).where(StoryTopic.story_id == story_id).order_by(StoryTopic.topic_slug)
    )
    keywords = await session.scalars(
        select(StoryKeyword).where(StoryKeyword.story_id == story_id).order_by(StoryKeyword.keyword)
    )
    return list(topics), list(keywords)
