"""Topics: the catalogue subscribers choose from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import upsert
from storage.models import SubscriberTopic, Topic


@dataclass(frozen=True, slots=True)
class TopicRow:
    slug: str
    name: str
    emoji: str


async def sync_topics(session: AsyncSession, topics: Iterable[TopicRow]) -> None:
    """Make the topics table match ``topics``, in that order.

    Topics no longer defined are removed (and unfollowed); stories keep their tags.
    """
    rows = [
        {"slug": t.slug, "name": t.name, "emoji": t.emoji, "position": i}
        for i, t in enumerate(topics)
    ]
    if rows:
        table = Topic.__table__
        await session.execute(
            upsert(session, table, ["slug"], ["name", "emoji", "position"]),
            rows,
        )
    await session.execute(delete(Topic).where(Topic.slug.not_in([r["slug"] for r in rows])))


async def list_topics(session: AsyncSession) -> list[Topic]:
    """Every topic, in the order of the topics file."""
    result = await session.scalars(select(Topic).order_by(Topic.position, Topic.slug))
    return list(result)


async def follower_counts(session: AsyncSession) -> dict[str, int]:
    """How many subscribers follow each topic (topics nobody follows are absent)."""
    result = await session.execute(
        select(SubscriberTopic.topic_slug, func.count()).group_by(SubscriberTopic.topic_slug)
    )
    return {slug: count for slug, count in result.all()}
