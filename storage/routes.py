"""Topic routes: in a forum group, which thread each topic's stories go to.

One thread per topic and subscriber; a thread may take several topics. The
sender (``bot.delivery.sender``) splits a digest by these routes at send time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import rowcount
from storage.models import Topic, TopicRoute


async def route_topic(session: AsyncSession, subscriber_id: int, slug: str, thread_id: int) -> bool:
    """Send ``slug``'s stories to ``thread_id``, moving an earlier route; False: no such topic."""
    if await session.get(Topic, slug) is None:
        return False
    route = await session.get(TopicRoute, (subscriber_id, slug))
    if route is None:
        session.add(TopicRoute(subscriber_id=subscriber_id, topic_slug=slug,
                               message_thread_id=thread_id))  # fmt: skip
    else:
        route.message_thread_id = thread_id
    await session.flush()
    return True


async def unroute_topics(session: AsyncSession, subscriber_id: int, slugs: Iterable[str]) -> int:
    """Send these topics back to the general thread; how many routes were removed."""
    result = await session.execute(
        delete(TopicRoute).where(
            TopicRoute.subscriber_id == subscriber_id, TopicRoute.topic_slug.in_(list(slugs))
        )
    )
    return rowcount(result)


async def routes_of(session: AsyncSession, subscriber_id: int) -> dict[str, int]:
    """A subscriber's routes: topic slug -> thread id, sorted by slug."""
    found = await routes_for(session, [subscriber_id])
    return found.get(subscriber_id, {})


async def routes_for(
    session: AsyncSession, subscriber_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Routes of many subscribers at once (for a batch of outbox rows); absent: no routes."""
    ids = list(set(subscriber_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(TopicRoute.subscriber_id, TopicRoute.topic_slug, TopicRoute.message_thread_id)
        .where(TopicRoute.subscriber_id.in_(ids))
        .order_by(TopicRoute.subscriber_id, TopicRoute.topic_slug)
    )
    result: dict[int, dict[str, int]] = {}
    for subscriber_id, slug, thread in rows:
        result.setdefault(subscriber_id, {})[slug] = thread
    return result
