"""The operators' endpoint: /healthz and /metrics over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ExtBot

from bot.delivery.sender import OutboxSender
from bot.runtime.endpoint import start_health_server
from jobs import metrics
from jobs.plan import plan_due_digests
from storage import db, job_runs, subscribers
from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble
from tests.conftest import _migrate
from tests.factories import StorySpec, add_brief, add_subscriber

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NOW = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)


async def serve(engine: AsyncEngine, *, scheduler_running: bool = True) -> tuple[str, object]:
    runner = await start_health_server(
        db.create_sessionmaker(engine), lambda: scheduler_running, host="127.0.0.1", port=0
    )
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}", runner


@pytest.fixture
async def endpoint(engine: AsyncEngine) -> AsyncIterator[str]:
    url, runner = await serve(engine)
    yield url
    await runner.cleanup()  # type: ignore[attr-defined]


@SQLITE_ONLY
async def test_healthz_reports_the_database_and_the_last_runs(
    engine: AsyncEngine, endpoint: str
) -> None:
    sessions = db.create_sessionmaker(engine)
    async with sessions.begin() as session:
        await job_runs.record_job_run(
            session, "ingest", started_at=NOW, finished_at=NOW, summary="5 new stories"
        )
        await job_runs.record_job_run(
            session,
            "digest",
            started_at=NOW,
            finished_at=NOW,
            summary="failed",
            error="database is locked",
        )

    async with httpx.AsyncClient() as client:
        response = await client.get(f"{endpoint}/healthz")

    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok" and report["database"] == "ok"
    assert report["scheduler_running"] is True
    assert report["last_ingest_success"] == NOW.isoformat()
    assert report["last_digest_error"] == "database is locked"


async def test_healthz_answers_503_when_the_database_is_gone() -> None:
    gone = db.create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    url, runner = await serve(gone)
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{url}/healthz")
    finally:
        await runner.cleanup()  # type: ignore[attr-defined]
        await gone.dispose()

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@SQLITE_ONLY
async def test_metrics_count_subscribers_by_state(engine: AsyncEngine, endpoint: str) -> None:
    sessions = db.create_sessionmaker(engine)
    async with sessions.begin() as session:
        await subscribers.subscribe(session, 5001)
        await subscribers.subscribe(session, 5002)
        await subscribers.mark_blocked(session, 5002)
        counts = await subscribers.count_by_state(session)

    async with httpx.AsyncClient() as client:
        response = await client.get(f"{endpoint}/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    active = counts[subscribers.SubscriberState.ACTIVE]
    assert f'briefbot_subscribers{{state="active"}} {float(active)}' in body
    assert "# TYPE briefbot_messages_sent_total counter" in body


async def test_metrics_count_messages_sent_and_the_outbox_after_a_digest_run(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    await _migrate(url)
    engine = db.create_engine(url)
    endpoint, runner = await serve(engine)
    sent_before = metrics.messages_sent.labels(kind="digest")._value.get()
    async with BotApiDouble() as api:
        bot = ExtBot(TOKEN, base_url=api.base_url)
        await bot.initialize()
        sessions = db.create_sessionmaker(engine)
        async with sessions.begin() as session:
            await add_subscriber(session, 5101, created_at=NOW - timedelta(days=9), topics=["gaza"])
            await add_brief(session, NOW - timedelta(hours=1), [StorySpec("Gaza truce", ["gaza"])])
        async with sessions.begin() as session:
            await plan_due_digests(session, NOW, lookback=timedelta(hours=48), max_stories=10)
        async with httpx.AsyncClient() as client:
            queued = (await client.get(f"{endpoint}/metrics")).text
            await OutboxSender(bot, sessions, clock=lambda: NOW).drain()
            drained = (await client.get(f"{endpoint}/metrics")).text
        await bot.shutdown()
    await runner.cleanup()  # type: ignore[attr-defined]
    await engine.dispose()

    assert "briefbot_outbox_depth 1.0" in queued
    assert "briefbot_outbox_depth 0.0" in drained
    after = metrics.messages_sent.labels(kind="digest")._value.get()
    assert after == sent_before + 1
    assert f'briefbot_messages_sent_total{{kind="digest"}} {after}' in drained
