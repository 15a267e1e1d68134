"""Two planners at once (two bot processes on one database) plan each digest once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jobs.catalogue import prepare_database
from jobs.plan import PlanReport, plan_due_digests
from storage import db
from storage.models import Digest, OutboxMessage
from tests.conftest import BACKENDS, SEEDS
from tests.factories import StorySpec, add_brief, add_subscriber, take_all_planned

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_two_planners_running_at_once_plan_every_digest_once(
    empty_database_url: str,
) -> None:
    engines = [db.create_engine(empty_database_url) for _ in range(2)]
    try:
        await prepare_database(engines[0], SEEDS / "topics.toml", SEEDS / "feeds.toml")
        first = db.create_sessionmaker(engines[0])
        async with first.begin() as session:
            for chat_id in range(1, 101):
                await add_subscriber(session, chat_id, created_at=LONG_AGO, topics=["gaza"])
            await add_brief(session, MORNING - timedelta(hours=2), [StorySpec("Gaza", ["gaza"])])

        async def planner(engine_index: int, now: datetime) -> PlanReport:
            sessions = db.create_sessionmaker(engines[engine_index])
            async with sessions.begin() as session:
                report = await plan_due_digests(
                    session, now, lookback=timedelta(hours=48), max_stories=10
                )
                await asyncio.sleep(0.05)  # keep the transaction open while the other tries
                return report

        reports: list[PlanReport] = []
        for minute in range(3):
            now = MORNING + timedelta(minutes=minute)
            reports += await asyncio.gather(planner(0, now), planner(1, now))

        async with first.begin() as session:
            await take_all_planned(session)
            digests = await session.scalar(select(func.count()).select_from(Digest))
            messages = await session.scalar(select(func.count()).select_from(OutboxMessage))
            per_chat = await session.scalar(
                select(func.count(func.distinct(OutboxMessage.chat_id)))
            )
    finally:
        for engine in engines:
            await engine.dispose()

    assert sum(r.digests for r in reports) == 100
    assert (digests, messages, per_chat) == (100, 100, 100)
    if "postgresql" in empty_database_url:
        assert any(r.locked for r in reports), "the advisory lock turned a planner away"
