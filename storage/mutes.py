"""Mutes: topics and keywords a subscriber asked to hear less about.

A muted topic leaves out every story tagged with it, even when a followed
topic or keyword would bring it in; following the topic again lifts the mute.
A muted keyword ("fewer like this") leaves out every story with a hit for it
in ``story_keywords``, the table ingest fills for every followed or muted
keyword. ``muted_story`` is the SQL condition for both; digest matching and
planning exclude its matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts
from storage.models import MutedKeyword, MutedTopic, Story, StoryKeyword, StoryTopic, Topic
from storage.search import WORD, SearchQuery, search_stories

# How many of the newest stories containing a newly muted keyword get their hit recorded.
BACKFILL_STORIES = 500


@dataclass(frozen=True, slots=True)
class Mutes:
    topics: list[str] = field(default_factory=list)  # topic slugs, sorted
    keywords: list[str] = field(default_factory=list)  # normalised keywords, sorted

    def __bool__(self) -> bool:
        return bool(self.topics or self.keywords)


def muted_story(
    subscriber_id: int | ColumnElement[int], story_id: ColumnElement[int] | None = None
) -> ColumnElement[bool]:
    """True for a story the subscriber muted: tagged with a muted topic or hit by a muted keyword.

    ``subscriber_id`` may be a column (``Subscriber.id``) for set-based planning;
    ``story_id`` is the story's id column (``Story.id`` unless given).
    """
    story = Story.id if story_id is None else story_id
    by_topic = (
        exists()
        .where(StoryTopic.story_id == story)
        .where(MutedTopic.topic_slug == StoryTopic.topic_slug)
        .where(MutedTopic.subscriber_id == subscriber_id)
    )
    by_keyword = (
        exists()
        .where(StoryKeyword.story_id == story)
        .where(MutedKeyword.keyword == StoryKeyword.keyword)
        .where(MutedKeyword.subscriber_id == subscriber_id)
    )
    return or_(by_topic, by_keyword)


async def list_mutes(session: AsyncSession, subscriber_id: int) -> Mutes:
    """A subscriber's muted topics and keywords."""
    topics = await session.scalars(
        select(MutedTopic.topic_slug)
        .where(MutedTopic.subscriber_id == subscriber_id)
        .order_by(MutedTopic.topic_slug)
    )
    keywords = await session.scalars(
        select(MutedKeyword.keyword)
        .where(MutedKeyword.subscriber_id == subscriber_id)
        .order_by(MutedKeyword.keyword)
    )
    return Mutes(list(topics), list(keywords))


async def mute_topic(session: AsyncSession, subscriber_id: int, slug: str) -> bool:
    """Mute a topic; False when the catalogue has no such topic (muting twice is harmless)."""
    if await session.get(Topic, slug) is None:
        return False
    await session.execute(
        insert_ignoring_conflicts(session, MutedTopic.__table__),
        [{"subscriber_id": subscriber_id, "topic_slug": slug}],
    )
    return True


async def unmute_topics(session: AsyncSession, subscriber_id: int, slugs: Iterable[str]) -> None:
    await session.execute(
        delete(MutedTopic).where(
            MutedTopic.subscriber_id == subscriber_id, MutedTopic.topic_slug.in_(list(slugs))
        )
    )


async def mute_keyword(
    session: AsyncSession, subscriber_id: int, keyword: str, *, story_id: int | None = None
) -> None:
    """Mute a normalised keyword, and record its hits in the stories already stored.

    ``story_id`` is the story the subscriber muted it from: it is left out at
    once, whatever the search index says. Newer stories get their hits at ingest.
    """
    await session.execute(
        insert_ignoring_conflicts(session, MutedKeyword.__table__),
        [{"subscriber_id": subscriber_id, "keyword": keyword}],
    )
    await record_keyword_hits(session, keyword, story_ids=[story_id] if story_id else [])


async def record_keyword_hits(
    session: AsyncSession, keyword: str, *, story_ids: Iterable[int] = ()
) -> int:
    """Record ``keyword`` in ``story_keywords`` for the newest stored stories that contain it.

    Found through the search index (stemmed, like a search), plus ``story_ids``
    as given. Returns how many stories were considered.
    """
    phrase = " ".join(WORD.findall(keyword.lower()))
    ids = list(story_ids)
    if phrase:
        found = await search_stories(session, SearchQuery((phrase,), ()), limit=BACKFILL_STORIES)
        ids += [story.id for story in found]
    rows = [{"story_id": i, "keyword": keyword, "terms": [keyword]} for i in dict.fromkeys(ids)]
    if rows:
        await session.execute(
            insert_ignoring_conflicts(session, StoryKeyword.__table__),
            rows,
        )
    return len(rows)


async def unmute_keywords(
    session: AsyncSession, subscriber_id: int, keywords: Iterable[str]
) -> None:
    await session.execute(
        delete(MutedKeyword).where(
            MutedKeyword.subscriber_id == subscriber_id, MutedKeyword.keyword.in_(list(keywords))
        )
    )


async def replace_mutes(session: AsyncSession, subscriber_id: int, mutes: Mutes) -> None:
    """Make a subscriber's mutes exactly ``mutes`` (topics must exist; used by import)."""
    await session.execute(delete(MutedTopic).where(MutedTopic.subscriber_id == subscriber_id))
    await session.execute(delete(MutedKeyword).where(MutedKeyword.subscriber_id == subscriber_id))
    for slug in mutes.topics:
        await mute_topic(session, subscriber_id, slug)
    for keyword in mutes.keywords:
        await mute_keyword(session, subscriber_id, keyword)
