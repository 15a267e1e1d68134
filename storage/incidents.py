"""What the feed-health check reads and writes: stories per recent brief, alert marks.

A feed's open incident lives on its row (``alert_kind``, ``alert_note``,
``alerted_at``); marking it is a conditional update, so two checks racing
over the same feed alert once between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import rowcount
from storage.models import Brief, Feed, OutboxMessage, Story
from storage.states import FeedAlertKind, OutboxKind, OutboxStatus

LOOKBACK = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class BriefCount:
    title: str
    stories: int


async def recent_brief_counts(
    session: AsyncSession, now: datetime, per_feed: int, *, lookback: timedelta = LOOKBACK
) -> dict[int, list[BriefCount]]:
    """Each feed's latest ``per_feed`` briefs of the last ``lookback``, newest first, with
    their stored stories. A brief whose stories were all stored before (duplicates) is left
    out: it says nothing about how the feed splits. One query for every feed."""

    counted = (
        select(
            Brief.id,
            Brief.feed_id,
            Brief.title,
            Brief.ingested_at,
            func.count(Story.id).label("stories"),
        )
        .join(Story, Story.brief_id == Brief.id)
        .where(Brief.feed_id.is_not(None), Brief.ingested_at >= now - lookback)
        .group_by(Brief.id, Brief.feed_id, Brief.title, Brief.ingested_at)
        .subquery()
    )
    order = (counted.c.ingested_at.desc(), counted.c.id.desc())
    rank = func.row_number().over(partition_by=counted.c.feed_id, order_by=order).label("rank")
    ranked = select(counted, rank).subquery()
    rows = await session.execute(
        select(ranked.c.feed_id, ranked.c.title, ranked.c.stories)
        .where(ranked.c.rank <= per_feed)
        .order_by(ranked.c.feed_id, ranked.c.rank)
    )
    found: dict[int, list[BriefCount]] = {}
    for feed_id, title, stories in rows.all():
        found.setdefault(feed_id, []).append(BriefCount(title, stories))
    return found


async def mark_alerted(
    session: AsyncSession,
    feed_id: int,
    was: FeedAlertKind | None,
    kind: FeedAlertKind,
    note: str,
    now: datetime,
) -> bool:
    """Record a new incident on the feed, unless someone else changed it since it read
    ``was``; True when this call recorded it (and so should tell the admins)."""
    same = Feed.alert_kind.is_(None) if was is None else Feed.alert_kind == was
    result = await session.execute(
        update(Feed)
        .where(Feed.id == feed_id, same)
        .values(alert_kind=kind, alert_note=note[:2000], alerted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(rowcount(result))


async def clear_alerts(session: AsyncSession, feed_ids: list[int]) -> None:
    """The feeds recovered: their incidents are over."""
    if feed_ids:
        await session.execute(
            update(Feed)
            .where(Feed.id.in_(feed_ids))
            .values(alert_kind=None, alert_note=None, alerted_at=None)
            .execution_options(synchronize_session=False)
        )


async def alerted_feeds(session: AsyncSession) -> list[Feed]:
    """Feeds with an open incident, oldest alert first."""
    result = await session.scalars(
        select(Feed).where(Feed.alert_kind.is_not(None)).order_by(Feed.alerted_at, Feed.id)
    )
    return list(result)


async def enqueue_admin_texts(
    session: AsyncSession, chat_ids: list[int], text: str, now: datetime
) -> None:
    """Queue one ready-made HTML text for each admin chat (rows of no subscriber)."""
    session.add_all(
        OutboxMessage(
            subscriber_id=None,
            kind=OutboxKind.TEXT,
            chat_id=chat_id,
            text=text,
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
        )
        for chat_id in sorted(chat_ids)
    )
    await session.flush()
