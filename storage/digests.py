"""Digests: the numbered story lists a chat received, and what matches a subscriber.

``/story N`` reads story N of the latest digest (scheduled, on-demand or
search); ``matching_stories`` finds the stories a subscriber's topics or own
keywords selected. A digest's stories are a shared ``StoryList``; what a chat
was sent is the stories of its delivering digests (``was_delivered``), so it
never gets the same story twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from storage.models import (
    Brief,
    Digest,
    Story,
    StoryKeyword,
    StoryList,
    StoryListItem,
    StoryTopic,
    Subscriber,
)
from storage.mutes import muted_story
from storage.states import DELIVERING_KINDS, DigestKind
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
    """Store a numbered digest (positions from 1) and return it with its items.

    A story named twice keeps its first number. The stories of a scheduled,
    on-demand or instant digest count as delivered from now on.
    """
    ids = list(dict.fromkeys(story_ids))
    now = utcnow()
    list_id = None
    if ids:
        story_list = StoryList(created_at=now)
        session.add(story_list)
        await session.flush()
        list_id = story_list.id
        await session.execute(
            insert(StoryListItem),
            [
                {"list_id": list_id, "position": n, "story_id": story_id}
                for n, story_id in enumerate(ids, 1)
            ],
        )
    digest = Digest(
        subscriber_id=subscriber_id,
        kind=kind,
        local_date=local_date,
        more_count=more_count,
        list_id=list_id,
        created_at=now,
    )
    session.add(digest)
    await session.flush()
    await session.refresh(digest, ["items"])
    return digest


def was_delivered(subscriber_id: Any, story_id: Any) -> ColumnElement[bool]:
    """Whether a delivering digest of the subscriber listed the story."""
    return exists().where(
        Digest.subscriber_id == subscriber_id,
        Digest.kind.in_(DELIVERING_KINDS),
        StoryListItem.list_id == Digest.list_id,
        StoryListItem.story_id == story_id,
    )


async def delete_unused_lists(session: AsyncSession, list_ids: Iterable[int]) -> None:
    """Delete those of ``list_ids`` that no digest points at any more, items first (no
    foreign key cascades them: see migration 0017)."""
    ids = list(set(list_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        unused = select(StoryList.id).where(
            StoryList.id.in_(chunk), ~exists().where(Digest.list_id == StoryList.id)
        )
        await session.execute(delete(StoryListItem).where(StoryListItem.list_id.in_(unused)))
        await session.execute(delete(StoryList).where(StoryList.id.in_(unused)))


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
    until: datetime | None = None,
) -> list[Story]:
    """Stories tagged with a followed topic or containing a followed keyword, ingested
    in [since, until), minus the ones the subscriber muted (``mutes.muted_story``).

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
    query = (
        select(Story)
        .join(Brief, Brief.id == Story.brief_id)
        .where(or_(*conditions), ~muted_story(subscriber.id))
    )
    if since is not None:
        query = query.where(Story.ingested_at >= since)
    if until is not None:
        query = query.where(Story.ingested_at < until)
    if unseen_only:
        query = query.where(~was_delivered(subscriber.id, Story.id))
    query = query.order_by(Brief.ingested_at.desc(), Brief.id.desc(), Story.position).limit(limit)
    return list(await session.scalars(query))


@dataclass(frozen=True)
class OnDemandDigest:
    """A digest made on request: its stories, and whether they are new to the reader
    (False: nothing was new, so these are the latest matching stories, seen or not)."""

    digest: Digest
    stories: list[Story]
    unseen: bool


async def create_on_demand_digest(
    session: AsyncSession,
    subscriber: Subscriber,
    *,
    since: datetime,
    limit: int,
    else_latest: bool = True,
) -> OnDemandDigest | None:
    """An on-demand digest of the first ``limit`` matching stories ingested since
    ``since`` that the subscriber has not been sent, counting how many more there are;
    when none are unseen (and ``else_latest``), of the latest ``limit`` matching
    stories, seen or not, at any age. None when there is nothing to put in it."""
    fresh = await matching_stories(
        session, subscriber, since=since, limit=limit * 5, unseen_only=True
    )
    if fresh:
        stories, unseen = fresh[:limit], True
        more = len(fresh) - len(stories)
    elif else_latest:
        stories = await matching_stories(
            session, subscriber, since=None, limit=limit, unseen_only=False
        )
        unseen, more = False, 0
    else:
        return None
    if not stories:
        return None
    made = await create_digest(
        session,
        subscriber.id,
        DigestKind.ON_DEMAND,
        [story.id for story in stories],
        more_count=more,
    )
    return OnDemandDigest(made, stories, unseen)


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
