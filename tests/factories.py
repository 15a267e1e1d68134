"""Rows for tests, written straight through the models: subscribers, briefs and stories;
and the few reads only tests need."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox, subscribers
from storage.models import (
    Brief,
    Digest,
    JobRun,
    OutboxMessage,
    Story,
    StoryKeyword,
    StoryTopic,
    Subscriber,
)
from storage.states import DeliveryMode, SubscriberState
from storage.stories import (
    NEAR_DUPLICATE_BITS,
    NEAR_DUPLICATE_WINDOW,
    NewBrief,
    NewStory,
    StoreResult,
    store_briefs,
)


async def add_subscriber(
    session: AsyncSession,
    chat_id: int,
    *,
    created_at: datetime,
    topics: Sequence[str] = (),
    keywords: Sequence[str] = (),
    timezone: str = "UTC",
    at: time = time(7, 30),
    mode: DeliveryMode = DeliveryMode.DIGEST,
) -> Subscriber:
    """A subscriber following ``topics`` and ``keywords``, subscribed at ``created_at``."""
    await subscribers.subscribe(session, chat_id)
    await subscribers.set_topics(session, chat_id, topics)
    await subscribers.follow_keywords(session, chat_id, keywords)
    await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id)
        .values(
            timezone=timezone,
            digest_time=at,
            mode=mode,
            state=SubscriberState.ACTIVE,
            created_at=created_at,
        )
    )
    found = await subscribers.get_subscriber(session, chat_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class StorySpec:
    title: str
    topics: Sequence[str] = ()
    keywords: Sequence[str] = field(default_factory=tuple)


async def add_brief(
    session: AsyncSession, ingested_at: datetime, stories: Sequence[StorySpec]
) -> list[int]:
    """A brief ingested at ``ingested_at`` with ``stories`` in order; returns the story ids."""
    key = hashlib.sha256(f"{ingested_at.isoformat()}{[s.title for s in stories]}".encode())
    brief = Brief(key=key.hexdigest(), title=f"Brief of {ingested_at:%Y-%m-%d %H:%M}")
    brief.ingested_at = ingested_at
    session.add(brief)
    await session.flush()
    ids = []
    for position, spec in enumerate(stories, 1):
        story = Story(
            brief_id=brief.id,
            position=position,
            title=spec.title,
            text=f"{spec.title}. Details follow.",
            content_key=hashlib.sha256(f"{brief.key}{position}".encode()).hexdigest(),
            ingested_at=ingested_at,
        )
        session.add(story)
        await session.flush()
        session.add_all(StoryTopic(story_id=story.id, topic_slug=t, terms=[t]) for t in spec.topics)
        session.add_all(
            StoryKeyword(story_id=story.id, keyword=k, terms=[k]) for k in spec.keywords
        )
        ids.append(story.id)
    await session.flush()
    return ids


async def digests_of(session: AsyncSession, chat_id: int) -> list[Digest]:
    """Every digest of a chat, oldest first, with items loaded."""
    result = await session.scalars(
        select(Digest)
        .join(Subscriber, Subscriber.id == Digest.subscriber_id)
        .where(Subscriber.chat_id == chat_id)
        .order_by(Digest.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


async def take_all_planned(session: AsyncSession) -> int:
    """Give every planned digest its outbox row, as senders do a batch at a time."""
    return await outbox.take_planned(session, datetime.max.replace(tzinfo=UTC), 10**9)


async def outbox_of(session: AsyncSession, chat_id: int) -> list[OutboxMessage]:
    """The chat's outbox rows, planned digests among them."""
    await take_all_planned(session)
    result = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


async def sent_story_titles(session: AsyncSession, chat_id: int) -> list[list[str]]:
    """For each digest that has an outbox message, the titles of its stories in order."""
    await take_all_planned(session)
    titles = []
    for digest in await digests_of(session, chat_id):
        has_message = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.digest_id == digest.id)
        )
        if has_message is None:
            continue
        ids = [item.story_id for item in digest.items]
        by_id = dict(
            (await session.execute(select(Story.id, Story.title).where(Story.id.in_(ids)))).all()
        )
        titles.append([by_id[item.story_id] for item in digest.items])
    return titles


async def store_brief(
    session: AsyncSession,
    *,
    feed_id: int | None,
    key: str,
    title: str,
    url: str | None,
    summary: str | None,
    published_at: datetime | None,
    stories: Sequence[NewStory],
    now: datetime | None = None,
    near_window: timedelta = NEAR_DUPLICATE_WINDOW,
    near_bits: int = NEAR_DUPLICATE_BITS,
) -> StoreResult:
    """Store one brief as ingesting does, through ``storage.stories.store_briefs``."""
    brief = NewBrief(key, title, url, summary, published_at, stories)
    (result,) = await store_briefs(
        session, [brief], feed_id=feed_id, now=now, near_window=near_window, near_bits=near_bits
    )
    return result


async def latest_stories(session: AsyncSession, limit: int = 10) -> list[Story]:
    """The ``limit`` most recently stored stories, newest first."""
    result = await session.scalars(
        select(Story).order_by(Story.ingested_at.desc(), Story.id.desc()).limit(limit)
    )
    return list(result)


async def count_stories(session: AsyncSession, *, since: datetime | None = None) -> int:
    """How many stories are stored (since ``since`` when given)."""
    query = select(func.count()).select_from(Story)
    if since is not None:
        query = query.where(Story.ingested_at >= since)
    return int(await session.scalar(query) or 0)


async def get_job_run(session: AsyncSession, name: str) -> JobRun | None:
    """The job's row as the database has it now."""
    result = await session.scalars(
        select(JobRun).where(JobRun.name == name).execution_options(populate_existing=True)
    )
    return result.one_or_none()
