"""Briefs, their stories and the stories' tags, stored once however often they arrive.

The schema is the guard: ``stories.content_key`` and ``briefs.key`` are
unique and every insert is ``ON CONFLICT DO NOTHING``, so ingesting a feed
twice, or the same story from two feeds, or two processes at once, stores each
story once. Near-duplicates (the same wire story lightly edited) are caught
before the insert by comparing SimHash fingerprints with the stories of the
last few days; the caller computes keys and fingerprints (``jobs.dedupe``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts
from storage.models import Brief, Story, StoryKeyword, StoryTopic, SubscriberKeyword
from storage.types import utcnow

NEAR_DUPLICATE_WINDOW = timedelta(days=3)
NEAR_DUPLICATE_BITS = 8
_MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class NewStory:
    """A story ready to store: its keys are computed, its tags and keywords found."""

    title: str
    text: str
    url: str | None
    position: int
    published_at: datetime | None
    content_key: str
    simhash: int | None
    topics: dict[str, list[str]] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    brief_id: int | None = None
    story_ids: tuple[int, ...] = ()


def _near(a: int, b: int, bits: int) -> bool:
    return ((a ^ b) & _MASK).bit_count() <= bits


async def _existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    result = await session.scalars(select(Story.content_key).where(Story.content_key.in_(keys)))
    return set(result)


async def recent_simhashes(session: AsyncSession, since: datetime) -> list[int]:
    """The fingerprints of the stories stored since ``since``."""
    result = await session.scalars(
        select(Story.simhash).where(Story.ingested_at >= since, Story.simhash.is_not(None))
    )
    return [h for h in result if h is not None]


async def known_brief_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these brief keys are stored already."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    return set(await session.scalars(select(Brief.key).where(Brief.key.in_(wanted))))


async def _brief_id(session: AsyncSession, values: dict[str, object]) -> int:
    await session.execute(
        insert_ignoring_conflicts(session, Brief.__table__).values(**values)  # type: ignore[arg-type]
    )
    brief_id = await session.scalar(select(Brief.id).where(Brief.key == values["key"]))
    assert brief_id is not None
    return brief_id


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
    """Store a brief and those of its stories not stored before; count the rest.

    A story is a duplicate when its content key is stored already (or repeats
    within the brief), and a near-duplicate when its SimHash is within
    ``near_bits`` bits of a story stored in the last ``near_window``.
    """
    now = now or utcnow()
    known = await _existing_keys(session, [s.content_key for s in stories])
    fingerprints = await recent_simhashes(session, now - near_window)
    fresh: list[NewStory] = []
    duplicates = near_duplicates = 0
    for story in stories:
        if story.content_key in known:
            duplicates += 1
            continue
        if story.simhash is not None and any(
            _near(story.simhash, h, near_bits) for h in fingerprints
        ):
            near_duplicates += 1
            continue
        known.add(story.content_key)
        if story.simhash is not None:
            fingerprints.append(story.simhash)
        fresh.append(story)
    # The brief is written even when all its stories were known: it marks the item as seen.
    brief_id = await _brief_id(
        session,
        {
            "key": key,
            "feed_id": feed_id,
            "url": _clip(url, 2048),
            "title": _clip(title, 512) or "",
            "summary": summary,
            "published_at": published_at,
            "ingested_at": now,
        },
    )
    # An item updated at its source: its new stories go after the ones stored before.
    start = await session.scalar(
        select(func.coalesce(func.max(Story.position), 0)).where(Story.brief_id == brief_id)
    )
    story_ids: list[int] = []
    for offset, story in enumerate(sorted(fresh, key=lambda s: s.position), 1):
        story_id = await session.scalar(
            insert_ignoring_conflicts(session, Story.__table__)  # type: ignore[arg-type]
            .values(
                brief_id=brief_id,
                position=start + offset if start else story.position,
                title=_clip(story.title, 512) or "",
                text=story.text,
                url=_clip(story.url, 2048),
                content_key=story.content_key,
                simhash=story.simhash,
                published_at=story.published_at,
                ingested_at=now,
            )
            .returning(Story.__table__.c.id)
        )
        if story_id is None:  # another process stored it a moment ago
            duplicates += 1
            continue
        story_ids.append(story_id)
        await _store_tags(session, story_id, story)
    return StoreResult(len(story_ids), duplicates, near_duplicates, brief_id, tuple(story_ids))


async def _store_tags(session: AsyncSession, story_id: int, story: NewStory) -> None:
    if story.topics:
        await session.execute(
            insert_ignoring_conflicts(session, StoryTopic.__table__),  # type: ignore[arg-type]
            [
                {"story_id": story_id, "topic_slug": slug, "terms": list(terms)}
                for slug, terms in story.topics.items()
            ],
        )
    await store_story_keywords(
        session, [(story_id, kw, terms) for kw, terms in story.keywords.items()]
    )


async def store_story_keywords(
    session: AsyncSession, rows: Iterable[tuple[int, str, Sequence[str]]]
) -> None:
    """Record (story id, keyword, matched terms) rows; rows stored before are kept."""
    values = [
        {"story_id": story_id, "keyword": keyword, "terms": list(terms)}
        for story_id, keyword, terms in rows
    ]
    if values:
        await session.execute(
            insert_ignoring_conflicts(session, StoryKeyword.__table__),  # type: ignore[arg-type]
            values,
        )


async def followed_keywords(session: AsyncSession) -> list[str]:
    """Every keyword some subscriber follows, once each: what ``story_keywords`` is filled for."""
    result = await session.scalars(
        select(SubscriberKeyword.keyword).distinct().order_by(SubscriberKeyword.keyword)
    )
    return list(result)


async def recent_stories(session: AsyncSession, since: datetime) -> list[Story]:
    """Stories stored since ``since``, oldest first, with their tags."""
    result = await session.scalars(
        select(Story).where(Story.ingested_at >= since).order_by(Story.ingested_at, Story.id)
    )
    return list(result)


async def latest_stories(session: AsyncSession, limit: int = 10) -> list[Story]:
    """The ``limit`` most recently stored stories, newest first."""
    result = await session.scalars(
        select(Story).order_by(Story.ingested_at.desc(), Story.id.desc()).limit(limit)
    )
    return list(result)


async def get_story(session: AsyncSession, story_id: int) -> Story | None:
    return await session.get(Story, story_id)


async def count_stories(session: AsyncSession, *, since: datetime | None = None) -> int:
    """How many stories are stored (since ``since`` when given)."""
    query = select(func.count()).select_from(Story)
    if since is not None:
        query = query.where(Story.ingested_at >= since)
    return int(await session.scalar(query) or 0)


def _clip(text: str | None, length: int) -> str | None:
    return text[:length] if text else text
