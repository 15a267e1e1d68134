"""Fetches reach public addresses only, checked where the connection is made.

The feed servers here listen on loopback, so "public" is played by 127.0.0.1
(through the ``allowed`` hook) while 127.0.0.2 plays the internal service that
must never be asked for anything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import load_topics
from jobs.ingest.addresses import Address, is_public, url_refusal
from jobs.ingest.fetch import FetchLimits, FetchStatus, fetch, make_client
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.store import IngestOptions
from jobs.ingest.tag import Tagger
from storage import feeds as feed_store
from storage.models import Story
from tests.conftest import SEEDS
from tests.feedserver import HTML, FeedServer, Item, article_page, rss, serving

LIMITS = FetchLimits(connect_timeout=2, read_timeout=1, total_timeout=5, max_bytes=1 << 20)
OUTSIDE = ipaddress.ip_address("127.0.0.1")
SECRET = "The database password is swordfish and the admin panel is open to all."


def outside_only(address: Address) -> bool:
    return address == OUTSIDE


@pytest.fixture
async def inside() -> AsyncIterator[FeedServer]:
    async with serving("127.0.0.2") as server:
        server.add("secret", article_page("Secret", [SECRET]), content_type=HTML)
        yield server


@pytest.fixture
async def public_client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(LIMITS, allowed=outside_only) as client:
        yield client


async def test_a_feed_on_this_machine_is_refused_without_being_asked(server: FeedServer) -> None:
    url = server.add("feed.xml", rss("Local", [Item("One", "Text.")]))
    async with make_client(LIMITS) as client:
        result = await fetch(client, url, limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error == "refused: 127.0.0.1 is not a public address"
    assert server.hits("feed.xml") == 0


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("localhost", "127.0.0.1"),
        ("[::1]", "::1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
        ("10.0.0.1", "10.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ],
)
async def test_every_spelling_of_an_internal_address_is_refused(host: str, shown: str) -> None:
    async with make_client(LIMITS) as client:
        result = await fetch(client, f"http://{host}:9/latest/meta-data/", limits=LIMITS)

    assert result.status is FetchStatus.ERROR
    assert result.error is not None
    assert result.error.startswith("refused: ") and result.error.endswith("not a public address")
    if host != "localhost":  # a name may resolve to ::1 first
        assert result.error == f"refused: {shown} is not a public address"


async def test_a_public_page_that_redirects_inward_is_refused_at_the_hop(
    server: FeedServer, inside: FeedServer, public_client: httpx.AsyncClient
) -> None:
    hop = server.url(f"away?to={inside.url('secret')}")

    result = await fetch(public_client, hop, limits=LIMITS)

    assert server.hits("away") == 1
    assert inside.hits("secret") == 0
    assert result.error == "refused: 127.0.0.2 is not a public address"


async def test_an_item_linking_inward_never_becomes_a_story_text(
    sessions: async_sessionmaker[AsyncSession],
    server: FeedServer,
    inside: FeedServer,
    public_client: httpx.AsyncClient,
) -> None:
    item = Item("Odd item", "A short summary.", link=inside.url("secret"), summary_only=True)
    outward = Item("Odd item 2", "Another summary.", summary_only=True)
    outward.link = server.url(f"away?to={inside.url('secret')}")
    url = server.add("feed.xml", rss("Mixed", [item, outward]))
    async with sessions.begin() as session:
        await feed_store.add_feed(session, url)
        internal, _ = await feed_store.add_feed(session, inside.url("feed.xml"))

    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    options = IngestOptions(limits=LIMITS, backoff_base=timedelta(minutes=10))
    tagger = Tagger(load_topics(SEEDS / "topics.toml"))
    await ingest_due_feeds(sessions, public_client, tagger, now, options=options)

    assert inside.hits("secret") == 0 and inside.hits("feed.xml") == 0
    async with sessions() as session:
        texts = list(await session.scalars(select(Story.text)))
        feed = await session.get(feed_store.Feed, internal.id)
    assert texts and not any("swordfish" in (t or "") for t in texts)
    assert feed is not None
    assert feed.last_error == "refused: 127.0.0.2 is not a public address"


async def test_allowing_private_feeds_lets_an_operator_fetch_an_internal_one(
    inside: FeedServer,
) -> None:
    async with make_client(LIMITS, allow_private=True) as client:
        result = await fetch(client, inside.url("secret"), limits=LIMITS)

    assert result.ok and inside.hits("secret") == 1


def test_the_url_text_check_knows_the_usual_disguises() -> None:
    refused = [
        "http://localhost/x",
        "http://printer.localhost/",
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
    ]
    assert all(url_refusal(url) for url in refused)
    assert url_refusal("https://example.org/feed.xml") is None
    assert url_refusal("http://93.184.215.14/feed") is None
    assert is_public(ipaddress.ip_address("2606:4700::1111"))
    assert not is_public(ipaddress.ip_address("fd00::1"))
