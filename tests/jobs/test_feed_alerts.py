"""Feed alerts end to end: a feed server on 127.0.0.1, real ingest runs, a real database."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.main import main
from jobs.catalogue import load_topics
from jobs.feeds.alerts import HealthReport, check_feed_health
from jobs.ingest.fetch import FetchLimits, make_client
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.store import IngestOptions
from jobs.ingest.tag import Tagger
from storage import feeds as feed_store
from storage.models import Feed, OutboxMessage
from storage.states import FeedAlertKind, OutboxKind
from tests.conftest import BACKENDS, SEEDS
from tests.feedserver import FeedServer, Item, rss

T0 = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
ADMINS = {111, 222}
THRESHOLD = timedelta(hours=6)
OPTIONS = IngestOptions(
    limits=FetchLimits(connect_timeout=2, read_timeout=1, total_timeout=5, max_bytes=1 << 20),
    backoff_base=timedelta(minutes=10),
)
TAGGER = Tagger(load_topics(SEEDS / "topics.toml"))
both_databases = pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(OPTIONS.limits, allow_private=True) as client:
        yield client


async def poll(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, hours: float
) -> HealthReport:
    """One scheduler poll ``hours`` after T0: ingest what is due, then the health step."""
    now = T0 + timedelta(hours=hours)
    await ingest_due_feeds(sessions, client, TAGGER, now, options=OPTIONS)
    return await check_feed_health(sessions, now, threshold=THRESHOLD, admin_chat_ids=ADMINS)


async def add_feed(sessions: async_sessionmaker[AsyncSession], url: str) -> int:
    async with sessions.begin() as session:
        feed, _ = await feed_store.add_feed(session, url)
        feed.created_at = T0
        return feed.id


async def alerts(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return list(rows)


async def feed_row(sessions: async_sessionmaker[AsyncSession], feed_id: int) -> Feed:
    async with sessions() as session:
        feed = await session.get(Feed, feed_id)
        assert feed is not None
        return feed


@both_databases
async def test_a_feed_down_past_the_threshold_alerts_each_admin_once_until_it_recovers(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    server: FeedServer,
    empty_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed_id = await add_feed(sessions, server.url("news.xml"))  # nothing there yet: 404

    early = [await poll(sessions, client, h) for h in (0, 2, 4)]
    late = [await poll(sessions, client, h) for h in (7, 9, 10)]

    assert [r.alerted for r in early] == [[], [], []]
    assert [len(r.alerted) for r in late] == [1, 0, 0]
    rows = await alerts(sessions)
    assert sorted(r.chat_id for r in rows) == sorted(ADMINS)
    assert all(r.kind is OutboxKind.TEXT and r.subscriber_id is None for r in rows)
    assert "failing since 2026-11-29 00:00 UTC (7 h)" in (rows[0].text or "")
    assert "404" in (rows[0].text or "")
    feed = await feed_row(sessions, feed_id)
    assert feed.alert_kind is FeedAlertKind.FAILING
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", empty_database_url)
    listed = await asyncio.to_thread(CliRunner().invoke, main, ["feeds", "list"])
    assert "[ALERT: failing since 2026-11-29 00:00 UTC (7 h)]" in listed.output

    server.add("news.xml", rss("News", [Item("Gaza", "Aid convoys waited at Rafah.", "g1")]))
    recovered = await poll(sessions, client, 12)

    assert recovered.cleared == 1
    assert (await feed_row(sessions, feed_id)).alert_kind is None

    del server.pages["news.xml"]
    again = [await poll(sessions, client, h) for h in (13, 16, 19)]

    assert [len(r.alerted) for r in again] == [0, 0, 1]  # 7 h after the success at 12
    rows = await alerts(sessions)
    assert len(rows) == 2 * len(ADMINS)
    assert "failing since 2026-11-29 12:00 UTC" in (rows[-1].text or "")


def newsletter(rng: random.Random, stories: int) -> str:
    """One issue's HTML: ``stories`` headed sections of distinct made-up words."""
    sections = []
    for _ in range(stories):
        words = [f"{rng.choice('bcdfgklmnprstv')}{rng.randrange(10**5)}x" for _ in range(45)]
        heading = " ".join(w.capitalize() for w in words[:4])
        sections.append(f"<h2>{heading}</h2><p>{' '.join(words[4:]).capitalize()}.</p>")
    return "</p>" + "".join(sections) + "<p>"


@both_databases
async def test_a_brief_that_splits_into_one_story_where_the_feed_gives_six_alerts_once(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, server: FeedServer
) -> None:
    rng = random.Random(7)
    issues = [Item(f"Morning briefing {n}", newsletter(rng, 6), f"issue-{n}") for n in range(5)]
    server.add("brief.xml", rss("Brief", issues))
    feed_id = await add_feed(sessions, server.url("brief.xml"))
    assert (await poll(sessions, client, 0)).alerted == []

    issues.append(Item("Morning briefing 5", newsletter(rng, 1), "issue-5"))
    server.add("brief.xml", rss("Brief", issues))
    broken = [await poll(sessions, client, h) for h in (1, 2)]

    assert [len(r.alerted) for r in broken] == [1, 0]
    feed = await feed_row(sessions, feed_id)
    assert feed.alert_kind is FeedAlertKind.LAYOUT
    assert feed.alert_note == "layout changed: 1 story where it usually gives 6"
    rows = await alerts(sessions)
    assert len(rows) == len(ADMINS)
    assert "Morning briefing 5" in (rows[0].text or "")

    issues.append(Item("Morning briefing 6", newsletter(rng, 6), "issue-6"))
    server.add("brief.xml", rss("Brief", issues))
    fixed = await poll(sessions, client, 3)

    assert fixed.cleared == 1
    assert (await feed_row(sessions, feed_id)).alert_kind is None
