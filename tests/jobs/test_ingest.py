"""Ingesting feeds end to end: a feed server on 127.0.0.1, a real database."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import load_topics
from jobs.ingest.articles import extract_article
from jobs.ingest.fetch import FetchLimits, make_client
from jobs.ingest.reports import FeedReport, ReportStatus
from jobs.ingest.run import ingest_due_feeds, ingest_feed, ingest_sources
from jobs.ingest.store import IngestOptions
from jobs.ingest.tag import Tagger
from storage import db
from storage import feeds as feed_store
from storage.models import Story, StoryKeyword, StoryTopic
from storage.subscribers import follow_keywords, subscribe
from tests.conftest import BACKENDS, CORPUS, SEEDS, corpus_files
from tests.factories import count_stories, get_job_run, latest_stories
from tests.feedserver import HTML, FeedServer, Item, article_page, rss

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
OPTIONS = IngestOptions(
    limits=FetchLimits(connect_timeout=2, read_timeout=0.3, total_timeout=5, max_bytes=1 << 20),
    backoff_base=timedelta(minutes=10),
)
both_databases = pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)

TRADE = (
    "India's prime minister arrives in Washington hoping to avoid a trade war with the "
    "United States, bringing offers to buy more American energy and to lower tariffs on "
    "motorcycles and bourbon whiskey, officials in New Delhi said on Tuesday evening."
)
GAZA = (
    "Israel and Hamas traded accusations over the ceasefire in Gaza on Tuesday, as "
    "mediators in Cairo tried to keep the truce alive and aid convoys waited at the "
    "Rafah crossing for permission to enter the territory before nightfall."
)


TAGGER = Tagger(load_topics(SEEDS / "topics.toml"))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(OPTIONS.limits, allow_private=True) as client:
        yield client


async def run(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    now: datetime = NOW,
    **options: object,
) -> list[FeedReport]:
    """One scheduled ingest run at ``now``, with OPTIONS changed by ``options``."""
    return await ingest_due_feeds(
        sessions,
        client,
        TAGGER,
        now,
        options=dataclasses.replace(OPTIONS, **options),  # type: ignore[arg-type]
    )


async def add_feed(sessions: async_sessionmaker[AsyncSession], url: str) -> int:
    async with sessions.begin() as session:
        feed, _ = await feed_store.add_feed(session, url)
        return feed.id


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await count_stories(session)


@both_databases
async def test_reingesting_a_feed_adds_nothing(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed = rss("World", [Item("Modi comes to Washington", TRADE), Item("Gaza truce", GAZA)])
    await add_feed(sessions, server.add("world.xml", feed))

    first = await run(sessions, client)
    second = await run(sessions, client, NOW + timedelta(minutes=10))

    assert [(r.status, r.new, r.duplicates) for r in first] == [(ReportStatus.OK, 2, 0)]
    assert [(r.status, r.new, r.duplicates) for r in second] == [(ReportStatus.OK, 0, 2)]
    assert await count(sessions) == 2
    async with sessions() as session:
        tags = await session.execute(
            select(Story.title, StoryTopic.topic_slug).join(StoryTopic).order_by(Story.title)
        )
        found = set(tags.all())
    assert {("Gaza truce", "gaza"), ("Modi comes to Washington", "trade")} <= found
    assert ("Gaza truce", "trade") not in found


@both_databases
async def test_a_feed_that_has_not_changed_costs_a_304(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    url = server.add("world.xml", rss("World", [Item("Gaza truce", GAZA)]), etag='"v1"')
    feed_id = await add_feed(sessions, url)

    await run(sessions, client)
    again = await run(sessions, client, NOW + timedelta(minutes=10))

    assert [r.status for r in again] == [ReportStatus.UNCHANGED]
    assert server.requests["world.xml"][1]["If-None-Match"] == '"v1"'
    async with sessions() as session:
        feed = await session.get(feed_store.Feed, feed_id)
        assert feed is not None
        assert (feed.etag, feed.title, feed.last_success_at) == (
            '"v1"',
            "World",
            NOW + timedelta(minutes=10),
        )


async def test_one_bad_feed_does_not_stop_the_others(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    good = server.add("good.xml", rss("Good", [Item("Gaza truce", GAZA)]))
    page = server.add(
        "page.html", article_page("Home", ["Welcome to our site."]), content_type=HTML
    )
    bad = [
        server.url("status/500"),
        server.url("slow/30"),
        server.url("loop/0"),
        server.url("endless"),
        page,
        "http://127.0.0.1:9/closed.xml",
    ]
    for url in [*bad, good]:
        await add_feed(sessions, url)

    reports = {r.name: r for r in await run(sessions, client)}

    assert reports[good].status is ReportStatus.OK and reports[good].new == 1
    assert all(reports[url].status is ReportStatus.FAILED for url in bad)
    assert reports[server.url("status/500")].error == "HTTP 500 Internal Server Error"
    assert reports[page].error == "this is an HTML page, not a feed; look for its RSS/Atom link"
    async with sessions() as session:
        for feed in await feed_store.list_feeds(session):
            failing = feed.url in bad
            assert (feed.consecutive_failures, bool(feed.last_error)) == (failing, failing)
            assert feed.next_poll_at == (NOW + timedelta(minutes=10) if failing else None)


async def test_a_failing_feed_backs_off_and_recovers(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_id = await add_feed(sessions, server.url("flaky.xml"))  # 404 until added

    await run(sessions, client)
    skipped = await run(sessions, client, NOW + timedelta(minutes=9))
    await run(sessions, client, NOW + timedelta(minutes=10))
    still_waiting = await run(sessions, client, NOW + timedelta(minutes=29))
    server.add("flaky.xml", rss("Flaky", [Item("Gaza truce", GAZA)]))
    recovered = await run(sessions, client, NOW + timedelta(minutes=30))

    assert skipped == [] and still_waiting == []
    assert server.hits("flaky.xml") == 3
    assert [(r.status, r.new) for r in recovered] == [(ReportStatus.OK, 1)]
    async with sessions() as session:
        feed = await session.get(feed_store.Feed, feed_id)
        assert feed is not None
        assert (feed.consecutive_failures, feed.last_error, feed.next_poll_at) == (0, None, None)


async def test_a_feed_that_asks_for_a_pause_gets_it(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_id = await add_feed(sessions, server.url("status/429?retry_after=7200"))

    (report,) = await run(sessions, client)

    assert report.retry_at == NOW + timedelta(hours=2)
    assert report.error == "HTTP 429 Too Many Requests (asked to retry after 2 h)"
    assert await run(sessions, client, NOW + timedelta(minutes=119)) == []
    async with sessions() as session:
        feed = await session.get(feed_store.Feed, feed_id)
        assert feed is not None and feed.consecutive_failures == 1


async def test_the_same_story_from_two_feeds_is_stored_once(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    await add_feed(sessions, server.add("a.xml", rss("A", [Item("Gaza truce", GAZA, guid="a1")])))
    await add_feed(sessions, server.add("b.xml", rss("B", [Item("Gaza truce", GAZA, guid="b7")])))

    reports = await run(sessions, client)

    assert sorted((r.new, r.duplicates) for r in reports) == [(0, 1), (1, 0)]
    assert await count(sessions) == 1


async def test_a_lightly_edited_copy_from_another_feed_is_a_near_duplicate(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    edited = GAZA.replace("on Tuesday", "late on Tuesday").replace("nightfall", "dark")
    await add_feed(sessions, server.add("a.xml", rss("A", [Item("Gaza truce", GAZA)])))
    await run(sessions, client)
    await add_feed(sessions, server.add("b.xml", rss("B", [Item("Truce holds", edited)])))

    reports = await run(sessions, client, NOW + timedelta(minutes=10))

    b = next(r for r in reports if r.name.endswith("b.xml"))
    assert (b.new, b.near_duplicates) == (0, 1)
    assert "1 of them near-duplicates" in b.describe()
    assert await count(sessions) == 1


async def test_a_summary_only_item_is_stored_with_its_article_text(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    paragraphs = [GAZA, TRADE, "The talks are expected to resume in Cairo next week."]
    link = server.add("news/truce.html", article_page("Gaza truce", paragraphs), content_type=HTML)
    item = Item("Gaza truce", GAZA, link=link, summary_only=True)
    await add_feed(sessions, server.add("summaries.xml", rss("Summaries", [item])))

    reports = await run(sessions, client)

    assert [(r.new, r.articles) for r in reports] == [(1, 1)]
    async with sessions() as session:
        (story,) = await latest_stories(session, 1)
    assert "resume in Cairo next week" in story.text
    assert "Subscribe to our newsletter" not in story.text
    assert story.url == link


async def test_keywords_that_subscribers_follow_are_found_in_new_stories(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    async with sessions.begin() as session:
        await subscribe(session, 42)
        await follow_keywords(session, 42, ["Rafah", "Greenland"])
    await add_feed(sessions, server.add("a.xml", rss("A", [Item("Gaza truce", GAZA)])))

    await run(sessions, client)

    async with sessions() as session:
        rows = await session.execute(select(StoryKeyword.keyword, StoryKeyword.terms))
        assert rows.all() == [("rafah", ["rafah"])]


async def test_each_run_is_recorded_with_a_summary(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    await add_feed(sessions, server.add("a.xml", rss("A", [Item("Gaza truce", GAZA)])))
    await add_feed(sessions, server.url("status/500"))

    await run(sessions, client)

    async with sessions() as session:
        job = await get_job_run(session, "ingest")
    assert job is not None
    assert job.last_summary == "2 feeds: 1 new story, 0 duplicates skipped, 1 failed"
    assert (job.last_success_at, job.last_error) == (NOW, None)


async def test_a_feed_removed_mid_run_is_reported_not_raised(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    report = await ingest_feed(sessions, client, 999_999, TAGGER, None, NOW, options=OPTIONS)

    assert report.status is ReportStatus.FAILED and report.error == "no such feed"


class BrokenTagger(Tagger):
    """A tagger with a bug: every story makes it raise ``TypeError``."""

    def tag(self, title: str, text: str) -> dict[str, tuple[str, ...]]:
        raise TypeError("a bug in tagging")


async def feed_row(sessions: async_sessionmaker[AsyncSession], feed_id: int) -> feed_store.Feed:
    async with sessions() as session:
        feed = await session.get(feed_store.Feed, feed_id)
        assert feed is not None
        return feed


async def test_a_bug_in_splitting_propagates_and_is_not_recorded_as_the_feed_failing(
    sessions: async_sessionmaker[AsyncSession],
    server: FeedServer,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed_id = await add_feed(sessions, server.add("world.xml", rss("W", [Item("Gaza", GAZA)])))

    def broken_split(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug in splitting")

    monkeypatch.setattr("jobs.ingest.parse.split_item_html", broken_split)

    with pytest.raises(ValueError, match="a bug in splitting"):
        await ingest_feed(sessions, client, feed_id, TAGGER, None, NOW, options=OPTIONS)

    feed = await feed_row(sessions, feed_id)
    assert (feed.consecutive_failures, feed.last_error, feed.next_poll_at) == (0, None, None)
    assert await count(sessions) == 0


async def test_a_bug_in_tagging_propagates_and_is_not_recorded_as_the_feed_failing(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_id = await add_feed(sessions, server.add("world.xml", rss("W", [Item("Gaza", GAZA)])))
    broken = BrokenTagger(load_topics(SEEDS / "topics.toml"))

    with pytest.raises(TypeError, match="a bug in tagging"):
        await ingest_feed(sessions, client, feed_id, broken, None, NOW, options=OPTIONS)
    reports = await ingest_due_feeds(sessions, client, broken, NOW, options=OPTIONS)

    assert [(r.status, r.error) for r in reports] == [
        (ReportStatus.FAILED, "internal error: TypeError: a bug in tagging")
    ]
    feed = await feed_row(sessions, feed_id)
    assert (feed.consecutive_failures, feed.last_error, feed.next_poll_at) == (0, None, None)


async def test_a_feed_that_is_not_a_feed_is_still_recorded_as_failing(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_id = await add_feed(sessions, server.add("empty.xml", ""))

    report = await ingest_feed(sessions, client, feed_id, TAGGER, None, NOW, options=OPTIONS)

    assert report.status is ReportStatus.FAILED
    assert report.error == "empty document, not a feed"
    feed = await feed_row(sessions, feed_id)
    assert (feed.consecutive_failures, feed.last_error) == (1, report.error)
    assert feed.next_poll_at == NOW + OPTIONS.backoff_base


async def test_a_feed_removed_while_it_is_fetched_is_reported_not_raised(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    feed_id = await add_feed(sessions, server.url("slow/2"))
    patient = dataclasses.replace(OPTIONS, limits=FetchLimits(read_timeout=5, total_timeout=10))

    async with make_client(patient.limits, allow_private=True) as client:
        fetching = asyncio.create_task(
            ingest_feed(sessions, client, feed_id, TAGGER, None, NOW, options=patient)
        )
        await asyncio.sleep(0.5)  # the page answers after 2 s
        assert server.hits("slow/2") == 1
        async with sessions.begin() as session:
            await feed_store.remove_feed(session, str(feed_id))
        report = await fetching

    assert report.status is ReportStatus.FAILED
    assert report.error == f"feed {feed_id} was removed while it was being fetched"


@both_databases
async def test_files_and_urls_are_ingested_once(
    sessions: async_sessionmaker[AsyncSession],
    server: FeedServer,
    client: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    path = tmp_path / "brief.xml"
    path.write_text(rss("Brief", [Item("Modi comes to Washington", TRADE)]))
    url = server.add("feed.xml", rss("Feed", [Item("Gaza truce", GAZA)]))
    sources = [str(path), url, str(tmp_path / "missing.txt")]

    async def ingest() -> list[tuple[ReportStatus, int, int]]:
        reports = await ingest_sources(
            sessions,
            client,
            sources,
            TAGGER,
            NOW,
            options=OPTIONS,
        )
        return [(r.status, r.new, r.duplicates) for r in reports]

    first = await ingest()
    second = await ingest()

    ok, failed = ReportStatus.OK, ReportStatus.FAILED
    assert first == [(ok, 1, 0), (ok, 1, 0), (failed, 0, 0)]
    assert second == [(ok, 0, 1), (ok, 0, 1), (failed, 0, 0)]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Story)) == 2


@both_databases
async def test_many_feeds_at_once_are_all_stored(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    words = (GAZA + TRADE).split()
    for n in range(12):
        texts = [" ".join(random.Random(n * 10 + i).sample(words, len(words))) for i in range(5)]
        items = [Item(f"Story {n}.{i}", text) for i, text in enumerate(texts)]
        await add_feed(sessions, server.add(f"feed{n}.xml", rss(f"Feed {n}", items)))

    reports = await run(sessions, client, concurrency=12)

    assert [r.error for r in reports if r.error] == []
    assert sum(r.new for r in reports) == 60


async def test_a_summary_only_item_whose_page_fails_keeps_its_summary(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    item = Item("Gaza truce", GAZA, link=server.url("news/gone.html"), summary_only=True)
    await add_feed(sessions, server.add("summaries.xml", rss("Summaries", [item])))

    reports = await run(sessions, client)

    assert [(r.status, r.new, r.articles) for r in reports] == [(ReportStatus.OK, 1, 1)]
    async with sessions() as session:
        (story,) = await latest_stories(session, 1)
    assert story.text == GAZA[:80]


async def test_article_pages_are_fetched_for_a_few_items_per_run(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    items = []
    for n in range(5):
        link = server.add(f"news/{n}.html", article_page(f"Story {n}", [f"{GAZA} ({n})"] * 3))
        items.append(Item(f"Story {n}", f"Summary {n}", link=link, summary_only=True))
    await add_feed(sessions, server.add("summaries.xml", rss("Summaries", items)))

    reports = await run(sessions, client, max_articles=2)

    assert [r.articles for r in reports] == [2]
    assert sum(server.hits(f"news/{n}.html") for n in range(5)) == 2


def test_the_main_text_of_a_page_leaves_out_navigation_and_footer() -> None:
    page = article_page("Gaza truce", [GAZA, TRADE]).encode()

    text = extract_article(page, url="https://example.org/news/truce.html")

    assert text is not None
    assert GAZA in text and TRADE in text
    assert "Log in" not in text and "Subscribe" not in text
    assert extract_article(b"<html><body><nav>Home</nav></body></html>") is None
    assert extract_article(b"") is None


@pytest.mark.skipif(not (CORPUS / "feeds").is_dir(), reason=f"no corpus at {CORPUS}")
async def test_every_corpus_feed_served_over_http_ingests_without_a_surprise(
    sessions: async_sessionmaker[AsyncSession], server: FeedServer, client: httpx.AsyncClient
) -> None:
    good = corpus_files("feeds/good")
    bad = corpus_files("feeds/bad")
    for path in [*good, *bad]:
        await add_feed(
            sessions, server.add(path.name, path.read_bytes(), content_type="application/xml")
        )

    reports = await run(sessions, client, max_articles=0)  # their links are on the internet

    by_name = {r.name.rsplit("/", 1)[1]: r for r in reports}
    assert len(by_name) == len(good) + len(bad)
    assert [r.error for r in reports if r.error and "internal error" in r.error] == []
    assert all(by_name[p.name].status is ReportStatus.OK for p in good)
    assert all(by_name[p.name].new > 0 for p in good)


@both_databases
async def test_two_processes_ingesting_at_once_store_each_story_once(
    empty_database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    server: FeedServer,
) -> None:
    words = (GAZA + TRADE).split()
    texts = [" ".join(random.Random(i).sample(words, len(words))) for i in range(20)]
    items = [Item(f"Story {i}", text) for i, text in enumerate(texts)]
    for n, order in enumerate((items, items[::-1], items[5:] + items[:5])):
        feed = rss(f"Feed {n}", [dataclasses.replace(i, guid=f"{n}-{i.title}") for i in order])
        await add_feed(sessions, server.add(f"feed{n}.xml", feed))
    other_engine = db.create_engine(empty_database_url)

    # the two runs share one event loop, so one's parsing may keep the other's read
    # waiting past this file's impatient 0.3 s; slow servers are not what is tested here
    patient = FetchLimits(read_timeout=5, total_timeout=10)
    try:
        async with make_client(patient, allow_private=True) as client:
            first, second = await asyncio.gather(
                run(sessions, client, limits=patient),
                run(db.create_sessionmaker(other_engine), client, limits=patient),
            )
    finally:
        await other_engine.dispose()

    assert [r.error for r in first + second if r.error] == []
    assert sum(r.new for r in first + second) == 20
    assert await count(sessions) == 20
