"""Events: the stories of different outlets that report one happening.

``events`` has a row per event; ``event_stories`` says which event each story
joined, the story it was matched with, the score and the terms they shared (so
/why can say why). A story is in at most one event; a story in none (stored
before events existed) is an event of its own. Membership is a table of its own,
not a column of ``stories``: adding a key to ``stories`` would rebuild it on
SQLite, and the rebuild would cascade into every table that refers to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import JSON, Float, ForeignKey, Integer, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from storage.models import Brief, Digest, Feed, Story, StoryListItem
from storage.mutes import muted_story
from storage.states import DELIVERING_KINDS
from storage.types import Base, UTCDateTime, utcnow


class Event(Base):
    """One happening, reported by one or more stories."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventStory(Base):
    """A story's event, and what it was grouped by."""

    __tablename__ = "event_stories"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # The story's time: when it was published, else when it was stored.
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    matched_story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL")
    )
    score: Mapped[float | None] = mapped_column(Float)
    shared: Mapped[list[str]] = mapped_column(JSON, default=list)


@dataclass(frozen=True, slots=True)
class Membership:
    """A story joining ``event_id``; ``matched_story_id`` is None for the event's first story."""

    story_id: int
    event_id: int
    at: datetime
    matched_story_id: int | None = None
    score: float | None = None
    shared: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class EventStoryRow:
    """A stored story as grouping sees it, with its event (None when it has none yet)."""

    story_id: int
    event_id: int | None
    title: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Version:
    """One outlet's story of an event."""

    story_id: int
    event_id: int
    source: str
    title: str
    url: str | None
    at: datetime
    feed_id: int | None = None  # the source's row in ``feeds`` (None: a file)


def source_name(feed_title: str | None, feed_url: str | None, story_url: str | None) -> str:
    """The outlet's name: the feed's title, else the host of the feed or the story."""
    if feed_title and feed_title.strip():
        return feed_title.strip()
    for url in (feed_url, story_url):
        host = urlsplit(url or "").hostname or ""
        if host:
            return host.removeprefix("www.")
    return "file"


async def new_event(session: AsyncSession, first_at: datetime) -> int:
    """A new event's id."""
    event = Event(first_at=first_at)
    session.add(event)
    await session.flush()
    return event.id


async def is_member(session: AsyncSession, story_id: int, event_id: int) -> bool:
    """Whether the story is stored, visible to this transaction, as a member of the event."""
    found = await session.scalar(select(EventStory.event_id).where(EventStory.story_id == story_id))
    return found == event_id


async def join(session: AsyncSession, memberships: Iterable[Membership]) -> None:
    """Record which event each story joined."""
    session.add_all(
        EventStory(
            story_id=m.story_id,
            event_id=m.event_id,
            at=m.at,
            matched_story_id=m.matched_story_id,
            score=m.score,
            shared=list(m.shared)[:8],
        )
        for m in memberships
    )
    await session.flush()


async def stories_since(
    session: AsyncSession, since: datetime, *, after_id: int = 0, ids: Sequence[int] = ()
) -> list[EventStoryRow]:
    """Stories of ``since`` or later (or those of ``ids``) with their events, oldest first."""
    at = func.coalesce(Story.published_at, Story.ingested_at)
    query = select(Story.id, EventStory.event_id, Story.title, Story.text, at).outerjoin(
        EventStory, EventStory.story_id == Story.id
    )
    if ids:
        query = query.where(Story.id.in_(ids))
    else:
        query = query.where(or_(Story.ingested_at >= since, Story.published_at >= since))
        query = query.where(Story.id > after_id)
    rows = await session.execute(query.order_by(at, Story.id))
    return [EventStoryRow(sid, eid, title, text, when) for sid, eid, title, text, when in rows]


async def member_count(session: AsyncSession) -> tuple[int, int]:
    """How many stories have an event, and the id of the newest of them (0 for none)."""
    row = (await session.execute(select(func.count(), func.max(EventStory.story_id)))).one()
    return int(row[0]), int(row[1] or 0)


def _versions_query() -> object:
    return (
        select(
            Story.id,
            EventStory.event_id,
            Feed.title,
            Feed.url,
            Story.url,
            Story.title,
            EventStory.at,
            Feed.id,
        )
        .join(EventStory, EventStory.story_id == Story.id)
        .join(Brief, Brief.id == Story.brief_id)
        .outerjoin(Feed, Feed.id == Brief.feed_id)
    )


def _version(row: Sequence[object]) -> Version:
    story_id, event_id, feed_title, feed_url, story_url, title, at, feed_id = row
    return Version(
        int(story_id),  # type: ignore[call-overload]
        int(event_id),  # type: ignore[call-overload]
        source_name(feed_title, feed_url, story_url),  # type: ignore[arg-type]
        str(title),
        story_url,  # type: ignore[arg-type]
        at,  # type: ignore[arg-type]
        feed_id,  # type: ignore[arg-type]
    )


async def versions(session: AsyncSession, story_ids: Sequence[int]) -> dict[int, list[Version]]:
    """For each story of ``story_ids`` that has an event, every story of its event
    (itself included), in time order."""
    if not story_ids:
        return {}
    mine = aliased(EventStory)
    query = _versions_query().join(  # type: ignore[attr-defined]
        mine, and_(mine.event_id == EventStory.event_id, mine.story_id.in_(story_ids))
    )
    rows = await session.execute(query.add_columns(mine.story_id).order_by(EventStory.at, Story.id))
    out: dict[int, list[Version]] = {}
    for *row, asked in rows:
        out.setdefault(int(asked), []).append(_version(row))
    return out


async def events_since(session: AsyncSession, since: datetime) -> list[list[Version]]:
    """The events with a story published or stored ``since`` or later, each its stories
    in time order."""
    recent = (
        select(EventStory.event_id)
        .join(Story, Story.id == EventStory.story_id)
        .where(or_(EventStory.at >= since, Story.ingested_at >= since))
    )
    query = _versions_query().where(EventStory.event_id.in_(recent))  # type: ignore[attr-defined]
    rows = await session.execute(query.order_by(EventStory.at, Story.id))
    grouped: dict[int, list[Version]] = {}
    for row in rows:
        version = _version(row)
        grouped.setdefault(version.event_id, []).append(version)
    return list(grouped.values())


async def membership(session: AsyncSession, story_id: int) -> EventStory | None:
    """The story's event membership, if it has one."""
    return await session.get(EventStory, story_id)


@dataclass(frozen=True, slots=True)
class SeenEvent:
    """A story of a digest whose event the subscriber got before: its words, and theirs."""

    story_id: int
    title: str
    text: str
    earlier: list[tuple[str, str]]


async def seen_before(
    session: AsyncSession, digest_ids: Sequence[int]
) -> dict[int, list[SeenEvent]]:
    """For each digest, its stories whose event had another story in an earlier
    delivered digest of the same subscriber, with those earlier stories' words."""
    if not digest_ids:
        return {}
    cur, old = aliased(Digest), aliased(Digest)
    item_cur, item_old = aliased(StoryListItem), aliased(StoryListItem)
    es_cur, es_old = aliased(EventStory), aliased(EventStory)
    story_cur, story_old = aliased(Story), aliased(Story)
    query = (
        select(
            cur.id, story_cur.id, story_cur.title, story_cur.text, story_old.title, story_old.text
        )
        .join(item_cur, item_cur.list_id == cur.list_id)
        .join(es_cur, es_cur.story_id == item_cur.story_id)
        .join(es_old, and_(es_old.event_id == es_cur.event_id, es_old.story_id != es_cur.story_id))
        .join(item_old, item_old.story_id == es_old.story_id)
        .join(
            old,
            and_(
                old.list_id == item_old.list_id,
                old.subscriber_id == cur.subscriber_id,
                old.id < cur.id,
                old.kind.in_(DELIVERING_KINDS),
            ),
        )
        .join(story_cur, story_cur.id == es_cur.story_id)
        .join(story_old, story_old.id == es_old.story_id)
        .where(cur.id.in_(digest_ids))
        .distinct()
    )
    found: dict[tuple[int, int], SeenEvent] = {}
    for digest_id, story_id, title, text, old_title, old_text in await session.execute(query):
        seen = found.setdefault((digest_id, story_id), SeenEvent(story_id, title, text, []))
        seen.earlier.append((old_title, old_text))
    out: dict[int, list[SeenEvent]] = {}
    for (digest_id, _), seen in found.items():
        out.setdefault(digest_id, []).append(seen)
    return out


async def muted_by_event(session: AsyncSession, digest_ids: Sequence[int]) -> dict[int, set[int]]:
    """For each digest, its stories whose event holds a story its reader muted (by a
    muted topic or keyword): muting one story of an event mutes the whole event."""
    if not digest_ids:
        return {}
    mine, other = aliased(EventStory), aliased(EventStory)
    query = (
        select(Digest.id, mine.story_id)
        .join(StoryListItem, StoryListItem.list_id == Digest.list_id)
        .join(mine, mine.story_id == StoryListItem.story_id)
        .join(other, other.event_id == mine.event_id)
        .where(
            Digest.id.in_(digest_ids),
            muted_story(Digest.__table__.c.subscriber_id, other.story_id.expression),
        )
        .distinct()
    )
    out: dict[int, set[int]] = {}
    for digest_id, story_id in await session.execute(query):
        out.setdefault(digest_id, set()).add(story_id)
    return out
