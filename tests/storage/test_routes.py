"""Topic routes on SQLite and PostgreSQL: one thread per topic, moved, removed, forgotten."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage import routes, subscribers
from storage.models import Subscriber


async def _group(session: AsyncSession, chat: int) -> Subscriber:
    subscriber, _ = await subscribers.subscribe(session, chat)
    return subscriber


async def test_a_topic_routed_again_moves_to_the_new_thread(session: AsyncSession) -> None:
    group = await _group(session, -100501)

    await routes.route_topic(session, group.id, "ukraine", 7)
    await routes.route_topic(session, group.id, "gaza", 9)
    await routes.route_topic(session, group.id, "ukraine", 11)

    assert await routes.routes_of(session, group.id) == {"gaza": 9, "ukraine": 11}


async def test_an_unknown_topic_is_not_routed(session: AsyncSession) -> None:
    group = await _group(session, -100502)

    assert await routes.route_topic(session, group.id, "atlantis", 7) is False
    assert await routes.routes_of(session, group.id) == {}


async def test_unrouting_removes_only_the_named_topics_of_that_group(
    session: AsyncSession,
) -> None:
    group, other = await _group(session, -100503), await _group(session, -100504)
    for subscriber in (group, other):
        await routes.route_topic(session, subscriber.id, "ukraine", 7)
        await routes.route_topic(session, subscriber.id, "trade", 8)

    removed = await routes.unroute_topics(session, group.id, ["ukraine", "gaza"])

    assert removed == 1
    assert await routes.routes_for(session, [group.id, other.id]) == {
        group.id: {"trade": 8},
        other.id: {"trade": 8, "ukraine": 7},
    }


async def test_forgetting_a_group_deletes_its_routes(session: AsyncSession) -> None:
    group = await _group(session, -100505)
    await routes.route_topic(session, group.id, "gaza", 2**40)  # thread ids are 64-bit
    assert await routes.routes_of(session, group.id) == {"gaza": 2**40}

    await subscribers.forget(session, -100505)

    assert await routes.routes_for(session, [group.id]) == {}
