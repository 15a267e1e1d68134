"""The scheduler: a sweep plans what is due and hands it on; the jobs run on the bot's loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import prepare_database
from jobs.schedule import Scheduler
from storage import db
from storage.outbox import outbox_depth
from tests.conftest import SEEDS
from tests.factories import StorySpec, add_brief, add_subscriber

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)


@pytest.fixture
async def sessions(empty_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = db.create_engine(empty_database_url)
    await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
    sessions = db.create_sessionmaker(engine)
    async with sessions.begin() as session:
        await add_subscriber(session, 1, created_at=LONG_AGO, topics=["gaza"])
        await add_brief(session, MORNING - timedelta(hours=1), [StorySpec("Gaza", ["gaza"])])
    yield sessions
    await engine.dispose()


async def outbox_size(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await outbox_depth(session)


async def test_a_sweep_plans_the_due_digest_and_then_delivers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    delivered: list[int] = []

    async def deliver() -> None:
        delivered.append(await outbox_size(sessions))

    scheduler = Scheduler(sessions, deliver=deliver, clock=lambda: MORNING)
    (digests, instant) = await scheduler.sweep()
    again, _ = await scheduler.sweep()

    assert (digests.digests, instant.digests, again.digests) == (1, 0, 0)
    assert delivered == [1, 1], "delivery ran after each sweep, with the digest queued once"


async def test_a_failed_feed_poll_still_sweeps(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    swept: list[bool] = []

    async def broken_poll() -> None:
        raise OSError("feed server down")

    async def deliver() -> None:
        swept.append(True)

    scheduler = Scheduler(sessions, deliver=deliver, poll=broken_poll, clock=lambda: MORNING)
    await scheduler.poll()

    assert swept == [True]
    assert await outbox_size(sessions) == 1


async def test_the_jobs_start_on_the_running_loop_sweep_at_once_and_stop_cleanly(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first_sweep = asyncio.Event()

    async def deliver() -> None:
        first_sweep.set()

    async def poll() -> None:
        return None

    scheduler = Scheduler(sessions, deliver=deliver, poll=poll, clock=lambda: MORNING)
    await scheduler.start()
    try:
        async with asyncio.timeout(10):
            await first_sweep.wait()
        assert sorted(scheduler.job_ids) == ["poll", "sweep"]
    finally:
        await scheduler.stop()

    assert scheduler.job_ids == []
    assert await outbox_size(sessions) == 1
