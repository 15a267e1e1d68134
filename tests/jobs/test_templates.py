"""A newsletter feed's earlier issues teach its template: over HTTP, into a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import load_topics
from jobs.ingest.fetch import FetchLimits, make_client
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.store import IngestOptions
from jobs.ingest.tag import Tagger
from storage import feeds as feed_store
from storage.models import Brief, FeedTemplateBlock, Story
from tests.conftest import BACKENDS, SEEDS
from tests.feedserver import FeedServer, Item, rss

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
OPTIONS = IngestOptions(limits=FetchLimits(connect_timeout=2, read_timeout=1, total_timeout=5))
TAGGER = Tagger(load_topics(SEEDS / "topics.toml"))
SPONSOR = "Our partners make this letter possible; thank them by trying the planner they built."
STORIES = ["Council passes budget", "Rail strike ends", "Port reopens", "Schools expand"]
WORDS = [
    "harbour",
    "tunnel",
    "pension",
    "clinic",
    "library",
    "bridge",
    "orchard",
    "quarry",
    "stadium",
    "airport",
    "canal",
    "tram",
    "granary",
    "ferry",
    "museum",
    "market",
    "reservoir",
    "forest",
    "mill",
    "depot",
]


def issue(n: int) -> Item:
    """The n-th morning briefing: four stories with bold lead-ins and the same sponsor line."""
    stories = "".join(
        f"<p><b>{title} {n}.</b> Officials said on day {n} that the "
        f"{' '.join(WORDS[(n * 5 + k * 3 + j) % len(WORDS)] for j in range(12))} "
        f"plans for {title.lower()} are going ahead.</p>"
        for k, title in enumerate(STORIES)
    )
    body = f"Good morning.</p>{stories}<p>{SPONSOR}</p><p>"
    return Item(f"Morning briefing {n}", body, guid=f"issue-{n}")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(OPTIONS.limits, allow_private=True) as client:
        yield client


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
async def test_the_third_issue_of_a_newsletter_leaves_out_what_the_first_two_repeated(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("letter.xml", rss("Letter", [issue(1)]))
    async with sessions.begin() as session:
        feed, _ = await feed_store.add_feed(session, url)
    stored: list[list[str]] = []
    for n in (1, 2, 3):
        server.add("letter.xml", rss("Letter", [issue(n)]))
        await ingest_due_feeds(
            sessions, client, TAGGER, NOW + timedelta(hours=n), options=OPTIONS,
            include_backing_off=True,
        )  # fmt: skip
        async with sessions() as session:
            newest = await session.scalar(select(func.max(Brief.id)))
            rows = await session.scalars(select(Story.text).where(Story.brief_id == newest))
            stored.append(list(rows))

    first, second, third = stored
    assert len(first) == len(third) == 4
    assert any(SPONSOR in text for text in first)
    assert any(SPONSOR in text for text in second)
    assert not any(SPONSOR in text for text in third)
    assert all("Officials said on day 3" in text for text in third)
    async with sessions() as session:
        learned = await session.scalar(
            select(func.max(FeedTemplateBlock.issues)).where(FeedTemplateBlock.feed_id == feed.id)
        )
    assert learned == 3
