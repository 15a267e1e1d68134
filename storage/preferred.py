"""A subscriber's preferred sources: the outlets whose story shows an event, in order.

``preferred_sources`` holds a row per chosen source (a feed or a newsletter) and
its place in the subscriber's list: the first that reported an event is the one
whose story a digest shows. The list is ordered and names a source once (unique
constraints on both), and it goes with its subscriber and with its source
(foreign keys that cascade).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ForeignKey, Integer, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.events import source_name
from storage.models import Digest, Feed
from storage.states import FeedKind
from storage.types import Base


class PreferredSource(Base):
    """Source ``feed_id`` at place ``position`` (from 1) of a subscriber's list."""

    __tablename__ = "preferred_sources"
    __table_args__ = (UniqueConstraint("subscriber_id", "feed_id"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)


async def known_sources(session: AsyncSession) -> dict[int, str]:
    """Every source a story can come from (feeds and newsletters, not the mailboxes
    that receive them), by id, with the name digests give it ("also: …")."""
    rows = await session.execute(
        select(Feed.id, Feed.title, Feed.url).where(Feed.kind != FeedKind.MAILBOX).order_by(Feed.id)
    )
    return {feed_id: source_name(title, url, None) for feed_id, title, url in rows}


async def preferred_sources(session: AsyncSession, subscriber_id: int) -> list[int]:
    """The subscriber's preferred sources, most preferred first."""
    rows = await session.scalars(
        select(PreferredSource.feed_id)
        .where(PreferredSource.subscriber_id == subscriber_id)
        .order_by(PreferredSource.position)
    )
    return list(rows)


async def set_preferred_sources(
    session: AsyncSession, subscriber_id: int, feed_ids: Sequence[int]
) -> None:
    """Replace the subscriber's list with ``feed_ids`` in this order (a repeat counts once;
    an empty list clears it)."""
    await session.execute(
        delete(PreferredSource).where(PreferredSource.subscriber_id == subscriber_id)
    )
    await session.flush()
    session.add_all(
        PreferredSource(subscriber_id=subscriber_id, position=i, feed_id=feed_id)
        for i, feed_id in enumerate(dict.fromkeys(feed_ids), start=1)
    )
    await session.flush()


async def preferred_by_digest(
    session: AsyncSession, digest_ids: Sequence[int]
) -> dict[int, tuple[int, ...]]:
    """For each digest whose reader has preferred sources, those sources in order."""
    if not digest_ids:
        return {}
    rows = await session.execute(
        select(Digest.id, PreferredSource.feed_id)
        .join(PreferredSource, PreferredSource.subscriber_id == Digest.subscriber_id)
        .where(Digest.id.in_(digest_ids))
        .order_by(Digest.id, PreferredSource.position)
    )
    out: dict[int, list[int]] = {}
    for digest_id, feed_id in rows:
        out.setdefault(digest_id, []).append(feed_id)
    return {digest_id: tuple(ids) for digest_id, ids in out.items()}
