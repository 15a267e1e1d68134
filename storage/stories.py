"""Briefs, their stories and the stories' tags, stored once however often they arrive.

The schema is the guard: ``stories.content_key`` and ``briefs.key`` are
unique and every insert is ``ON CONFLICT DO NOTHING``, so ingesting a feed
twice, or the same story from two feeds, or two processes at once, stores each
story once. Near-duplicates (the same wire story lightly edited) are caught
before the insert by comparing SimHash fingerprints with the stories of the
last few days; the caller computes keys and fingerprints (``jobs.ingest.dedupe``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts
from storage.models import Brief, Story, StoryKeyword, StoryTopic
from storage.types import utcnow

NEAR_DUPLICATE_WINDOW = timedelta(days=3)
# Stories whose fingerprints differ in at most this many bits are near-duplicates.
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


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ between two SimHash fingerprints (signed or not).

    The near-duplicate rule is ``hamming(a, b) <= NEAR_DUPLICATE_BITS``.
    """
    return ((a ^ b) & _MASK).bit_count()


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


@dataclass(frozen=True, slots=True)
class NewBrief:
    """A brief ready to store, identified by ``key`` (unique across all briefs)."""

    key: str
    title: str
    url: str | None
    summary: str | None
    published_at: datetime | None
    stories: Sequence[NewStory]


async def store_briefs(
    session: AsyncSession,
    briefs: Sequence[NewBrief],
    *,
    feed_id: int | None,
    now: datetime | None = None,
    near_window: timedelta = NEAR_DUPLICATE_WINDOW,
    near_bits: int = NEAR_DUPLICATE_BITS,
) -> list[StoreResult]:
    """Store briefs and those of their stories not stored before; count the rest.

    A story is a duplicate when its content key is stored already (or came
    earlier in ``briefs``), and a near-duplicate when its SimHash is within
    ``near_bits`` bits of a story stored in the last ``near_window`` (or
    earlier in ``briefs``). Every brief row is written, even when all its
    stories were known: it marks the item as seen. A handful of statements
    whatever the number of briefs.
    """
    now = now or utcnow()
    known = await _existing_keys(session, [s.content_key for b in briefs for s in b.stories])
    fingerprints = await recent_simhashes(session, now - near_window)
    fresh: list[list[NewStory]] = []
    counts: list[tuple[int, int]] = []
    for brief in briefs:
        kept, duplicates, near = [], 0, 0
        for story in brief.stories:
            if story.content_key in known:
                duplicates += 1
            elif story.simhash is not None and any(
                hamming(story.simhash, h) <= near_bits for h in fingerprints
            ):
                near += 1
            else:
                known.add(story.content_key)
                if story.simhash is not None:
                    fingerprints.append(story.simhash)
                kept.append(story)
        fresh.append(kept)
        counts.append((duplicates, near))
    brief_ids = await _insert_briefs(session, briefs, feed_id, now)
    story_ids = await _insert_stories(session, briefs, brief_ids, fresh, now)
    results = []
    for brief, kept, (duplicates, near) in zip(briefs, fresh, counts, strict=True):
        ids = tuple(story_ids[s.content_key] for s in kept if s.content_key in story_ids)
        lost = len(kept) - len(ids)  # stored by another process a moment ago
        results.append(StoreResult(len(ids), duplicates + lost, near, brief_ids[brief.key], ids))
    return results


async def _insert_briefs(
    session: AsyncSession, briefs: Sequence[NewBrief], feed_id: int | None, now: datetime
) -> dict[str, int]:
    """Insert the briefs not stored yet; the ids of all of them by key."""
    if not briefs:
        return {}
    await session.execute(
        insert_ignoring_conflicts(session, Brief.__table__),
        [
            {
                "key": b.key,
                "feed_id": feed_id,
                "url": _clip(b.url, 2048),
                "title": _clip(b.title, 512) or "",
                "summary": b.summary,
                "published_at": b.published_at,
                "ingested_at": now,
            }
            for b in sorted(briefs, key=lambda b: b.key)
        ],
    )
    rows = await session.execute(
        select(Brief.key, Brief.id).where(Brief.key.in_([b.key for b in briefs]))
    )
    return {key: brief_id for key, brief_id in rows.all()}


async def _insert_stories(
    session: AsyncSession,
    briefs: Sequence[NewBrief],
    brief_ids: dict[str, int],
    fresh: list[list[NewStory]],
    now: datetime,
) -> dict[str, int]:
    """Insert the fresh stories with their tags; the ids of those inserted, by content key."""
    ids = list(brief_ids.values())
    stored = await session.execute(
        select(Story.brief_id, func.max(Story.position))
        .where(Story.brief_id.in_(ids))
        .group_by(Story.brief_id)
    )
    # An item updated at its source: its new stories go after the ones stored before.
    last = {brief_id: position for brief_id, position in stored.all()}
    rows = []
    for brief, kept in zip(briefs, fresh, strict=True):
        brief_id = brief_ids[brief.key]
        start = last.get(brief_id)
        for offset, story in enumerate(sorted(kept, key=lambda s: s.position), 1):
            rows.append(
                {
                    "brief_id": brief_id,
                    "position": start + offset if start else story.position,
                    "title": _clip(story.title, 512) or "",
                    "text": story.text,
                    "url": _clip(story.url, 2048),
                    "content_key": story.content_key,
                    "simhash": story.simhash,
                    "published_at": story.published_at,
                    "ingested_at": now,
                }
            )
    if not rows:
        return {}
    # Key order everywhere, so two processes storing the same stories wait, never deadlock.
    rows.sort(key=lambda row: str(row["content_key"]))
    table = Story.__table__
    inserted = await session.execute(
        insert_ignoring_conflicts(session, table).returning(table.c.content_key, table.c.id),
        rows,
    )
    # Only the rows this call inserted come back: one stored a moment ago by another
    # process is not ours to count or tag.
    story_ids = {key: story_id for key, story_id in inserted.all()}
    by_key = {s.content_key: s for kept in fresh for s in kept}
    topics = [
        {"story_id": story_id, "topic_slug": slug, "terms": list(terms)}
        for key, story_id in story_ids.items()
        for slug, terms in by_key[key].topics.items()
    ]
    if topics:
        await session.execute(
            insert_ignoring_conflicts(session, StoryTopic.__table__),
            topics,
        )
    await store_story_keywords(
        session,
        [
            (story_id, keyword, terms)
            for key, story_id in story_ids.items()
            for keyword, terms in by_key[key].keywords.items()
        ],
    )
    return story_ids


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
            insert_ignoring_conflicts(session, StoryKeyword.__table__),
            values,
        )


async def recent_stories(session: AsyncSession, since: datetime) -> list[Story]:
    """Stories stored since ``since``, oldest first, with their tags."""
    result = await session.scalars(
        select(Story).where(Story.ingested_at >= since).order_by(Story.ingested_at, Story.id)
    )
    return list(result)


def _clip(text: str | None, length: int) -> str | None:
    return text[:length] if text else text
