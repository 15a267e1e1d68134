"""The outbox: claims, leases after a crash, and the marks a sender leaves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.catalogue import prepare_database
from storage import db
from storage.models import OutboxMessage, Subscriber
from storage.outbox import (
    claim_batch,
    mark_all_sent,
    mark_failed,
    mark_retry,
    outbox_depth,
    release,
)
from storage.states import OutboxKind, OutboxStatus
from tests.conftest import BACKENDS, SEEDS

NOW = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)


async def queue(
    session: AsyncSession, count: int, *, at: datetime = NOW, chat_id: int = 4242
) -> list[int]:
    """``count`` pending text messages to one new subscriber; returns their ids."""
    subscriber = Subscriber(chat_id=chat_id, timezone="UTC")
    session.add(subscriber)
    await session.flush()
    rows = [
        {
            "subscriber_id": subscriber.id,
            "kind": OutboxKind.TEXT,
            "chat_id": chat_id,
            "text": f"message {i}",
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for i in range(count)
    ]
    await session.execute(insert(OutboxMessage), rows)
    ids = await session.scalars(select(OutboxMessage.id).where(OutboxMessage.chat_id == chat_id))
    return sorted(ids)


async def test_a_claim_takes_due_rows_oldest_first_and_marks_them_sending(
    session: AsyncSession,
) -> None:
    ids = await queue(session, 5)
    await queue(session, 2, at=NOW + timedelta(hours=1), chat_id=4343)

    claimed = await claim_batch(session, NOW, 3, "worker-a")
    rest = await claim_batch(session, NOW, 10, "worker-b")

    assert [m.id for m in claimed] == ids[:3]
    assert [m.id for m in rest] == ids[3:], "rows due later are not claimed yet"
    assert {(m.status, m.claimed_by, m.attempts) for m in claimed} == {
        (OutboxStatus.SENDING, "worker-a", 1)
    }


async def test_a_sent_message_keeps_its_telegram_id_and_leaves_the_queue(
    session: AsyncSession,
) -> None:
    [only] = await queue(session, 1)
    await claim_batch(session, NOW, 10, "w")

    await mark_all_sent(session, [(only, 777)], NOW)

    row = await session.get(OutboxMessage, only, populate_existing=True)
    assert row is not None
    assert (row.status, row.telegram_message_id, row.sent_at) == (OutboxStatus.SENT, 777, NOW)
    assert await outbox_depth(session) == 0
    assert await claim_batch(session, NOW + timedelta(hours=1), 10, "w") == []


async def test_a_whole_batch_is_marked_sent_at_once_each_row_with_its_own_telegram_id(
    session: AsyncSession,
) -> None:
    ids = await queue(session, 3)
    await claim_batch(session, NOW, 10, "w")

    await mark_all_sent(session, [(ids[0], 501), (ids[2], 503)], NOW)

    rows = {i: await session.get(OutboxMessage, i, populate_existing=True) for i in ids}
    assert [(r.status, r.telegram_message_id) for r in rows.values() if r] == [
        (OutboxStatus.SENT, 501),
        (OutboxStatus.SENDING, None),
        (OutboxStatus.SENT, 503),
    ]
    assert await outbox_depth(session) == 1


async def test_a_released_claim_goes_back_to_pending_without_counting_an_attempt(
    session: AsyncSession,
) -> None:
    ids = await queue(session, 2)
    await claim_batch(session, NOW, 10, "w")

    await release(session, ids)

    again = await claim_batch(session, NOW, 10, "v")
    assert [(m.id, m.attempts, m.claimed_by) for m in again] == [(i, 1, "v") for i in ids]


async def test_a_retry_waits_for_its_time_and_a_failure_is_never_claimed_again(
    session: AsyncSession,
) -> None:
    retry, fail = await queue(session, 2)
    await claim_batch(session, NOW, 10, "w")

    await mark_retry(session, retry, "Timed out", NOW + timedelta(seconds=30))
    await mark_failed(session, fail, "Bad Request: chat not found")

    assert await claim_batch(session, NOW + timedelta(seconds=29), 10, "w") == []
    [again] = await claim_batch(session, NOW + timedelta(seconds=30), 10, "w")
    assert (again.id, again.attempts, again.last_error) == (retry, 2, "Timed out")
    failed = await session.get(OutboxMessage, fail, populate_existing=True)
    assert failed is not None and failed.status is OutboxStatus.FAILED
    assert failed.last_error == "Bad Request: chat not found"
    assert await outbox_depth(session) == 1


async def test_rows_left_sending_by_a_crashed_worker_are_reclaimed_after_the_lease(
    session: AsyncSession,
) -> None:
    ids = await queue(session, 3)
    await claim_batch(session, NOW, 10, "crashed")

    too_soon = await claim_batch(
        session, NOW + timedelta(minutes=4), 10, "w", lease=timedelta(minutes=5)
    )
    after = await claim_batch(
        session, NOW + timedelta(minutes=6), 10, "w", lease=timedelta(minutes=5)
    )

    assert too_soon == []
    assert [m.id for m in after] == ids
    assert {m.claimed_by for m in after} == {"w"}


async def test_a_claim_takes_the_oldest_rows_whether_pending_or_left_by_a_crash(
    session: AsyncSession,
) -> None:
    lapsed = await queue(session, 3)
    await claim_batch(session, NOW, 10, "crashed")
    older = await queue(session, 2, at=NOW - timedelta(minutes=10), chat_id=4343)
    newer = await queue(session, 2, at=NOW + timedelta(minutes=1), chat_id=4444)
    later = NOW + timedelta(minutes=6)

    first = await claim_batch(session, later, 4, "w", lease=timedelta(minutes=5))
    rest = await claim_batch(session, later, 10, "w", lease=timedelta(minutes=5))

    assert [m.id for m in first] == older + lapsed[:2]
    assert [m.id for m in rest] == lapsed[2:] + newer


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_concurrent_workers_never_get_the_same_row(empty_database_url: str) -> None:
    engine = db.create_engine(empty_database_url)
    try:
        await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
        sessions = db.create_sessionmaker(engine)
        async with sessions.begin() as session:
            ids = await queue(session, 200)

        async def work(name: str) -> list[int]:
            got: list[int] = []
            while True:
                async with sessions.begin() as session:
                    batch = await claim_batch(session, NOW, 7, name)
                    await asyncio.sleep(0.005)  # hold the claim open while others try
                if not batch:
                    return got
                got += [m.id for m in batch]

        results = await asyncio.gather(*(work(f"worker-{i}") for i in range(4)))
    finally:
        await engine.dispose()

    claimed = [i for r in results for i in r]
    assert sorted(claimed) == ids, "every row claimed exactly once"
    if empty_database_url.startswith("postgresql"):
        # SQLite serialises writers, so one worker may take everything there.
        assert sum(1 for r in results if r) >= 2, "the work was shared"
