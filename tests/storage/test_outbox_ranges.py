"""Planned digests wait as ranges of ids and become outbox rows as senders claim them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.catalogue import prepare_database
from jobs.plan import plan_due_digests
from storage import db, subscribers
from storage.models import Digest, OutboxMessage, OutboxRange, Subscriber
from storage.outbox import claim_batch, outbox_depth
from storage.states import OutboxStatus
from tests.conftest import SEEDS
from tests.factories import StorySpec, add_brief, add_subscriber

MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)
LONG_AGO = MORNING - timedelta(days=30)


async def plan_for(session: AsyncSession, chat_ids: list[int]) -> None:
    """Subscribers following Gaza, a Gaza story, and their digests planned at 07:30 UTC."""
    for chat_id in chat_ids:
        await add_subscriber(session, chat_id, created_at=LONG_AGO, topics=["gaza"])
    await add_brief(session, MORNING - timedelta(hours=2), [StorySpec("Gaza", ["gaza"])])
    report = await plan_due_digests(session, MORNING, lookback=timedelta(hours=48), max_stories=10)
    assert report.digests == len(chat_ids)


async def digest_chats(session: AsyncSession, claimed_ids: list[int | None]) -> list[int]:
    """The chats of the digests behind claimed rows, in the claim's order."""
    chats = dict(
        (
            await session.execute(
                select(Digest.id, Subscriber.chat_id)
                .join(Subscriber, Subscriber.id == Digest.subscriber_id)
                .where(Digest.id.in_([i for i in claimed_ids if i is not None]))
            )
        ).all()
    )
    return [chats[i] for i in claimed_ids if i is not None]


async def test_planned_digests_reach_the_outbox_a_batch_at_a_time_in_the_order_planned(
    session: AsyncSession,
) -> None:
    await plan_for(session, [101, 102, 103, 104, 105])
    rows_after_planning = await session.scalar(select(func.count()).select_from(OutboxMessage))
    depth_after_planning = await outbox_depth(session)

    first = await claim_batch(session, MORNING, 2, "w")
    depth_while_sending = await outbox_depth(session)
    rest = await claim_batch(session, MORNING, 10, "w")
    more = await claim_batch(session, MORNING + timedelta(minutes=1), 10, "w")

    assert (rows_after_planning, depth_after_planning) == (0, 5)
    assert await digest_chats(session, [r.digest_id for r in first]) == [101, 102]
    assert await digest_chats(session, [r.digest_id for r in rest]) == [103, 104, 105]
    assert {(r.chat_id, r.status) for r in first} == {
        (101, OutboxStatus.SENDING),
        (102, OutboxStatus.SENDING),
    }
    assert depth_while_sending == 5, "two being sent, three still waiting"
    assert more == []
    assert await session.scalar(select(func.count()).select_from(OutboxRange)) == 0


async def test_planned_digests_are_not_claimed_before_the_time_they_were_planned_for(
    session: AsyncSession,
) -> None:
    await plan_for(session, [201])

    early = await claim_batch(session, MORNING - timedelta(minutes=1), 10, "w")
    on_time = await claim_batch(session, MORNING, 10, "w")

    assert early == []
    assert [r.chat_id for r in on_time] == [201]


async def test_a_chat_forgotten_before_its_digest_was_claimed_gets_nothing(
    session: AsyncSession,
) -> None:
    await plan_for(session, [301, 302, 303])

    assert await subscribers.forget(session, 302)
    claimed = await claim_batch(session, MORNING, 10, "w")

    assert [r.chat_id for r in claimed] == [301, 303]
    assert await outbox_depth(session) == 2


async def test_a_group_that_moved_after_planning_gets_its_digest_at_its_new_id(
    session: AsyncSession,
) -> None:
    await plan_for(session, [-401])

    await subscribers.migrate_chat(session, -401, -1000401)
    [claimed] = await claim_batch(session, MORNING, 10, "w")

    assert claimed.chat_id == -1000401


@pytest.mark.parametrize("empty_database_url", ["postgresql"], indirect=True)
async def test_two_senders_on_postgresql_never_take_the_same_planned_digest(
    empty_database_url: str,
) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
        sessions = db.create_sessionmaker(engine)
        async with sessions.begin() as session:
            await plan_for(session, list(range(501, 511)))
        took: dict[str, list[int | None]] = {"a": [], "b": []}
        a_holds = asyncio.Event()
        b_done = asyncio.Event()

        async def sender_a() -> None:
            async with sessions.begin() as session:
                took["a"] += [r.digest_id for r in await claim_batch(session, MORNING, 4, "a")]
                a_holds.set()
                await b_done.wait()  # b claims while a's claim is not committed yet

        async def sender_b() -> None:
            await a_holds.wait()
            async with sessions.begin() as session:
                took["b"] += [r.digest_id for r in await claim_batch(session, MORNING, 4, "b")]
            b_done.set()

        await asyncio.wait_for(asyncio.gather(sender_a(), sender_b()), timeout=30)
        async with sessions.begin() as session:
            while batch := await claim_batch(session, MORNING, 4, "a"):
                took["a"] += [r.digest_id for r in batch]
            digests = await session.scalar(select(func.count()).select_from(Digest))
    finally:
        await engine.dispose()

    every = took["a"] + took["b"]
    assert len(every) == len(set(every)) == digests == 10
