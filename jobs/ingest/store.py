"""The steps every ingest shares once bytes are read: skip known briefs, fetch
article pages for summary-only items, key and tag the stories, store them."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.events.assign import assign as assign_events
from jobs.ingest.articles import with_article
from jobs.ingest.dedupe import content_key, simhash
from jobs.ingest.drafts import BriefDraft
from jobs.ingest.fetch import FetchLimits
from jobs.ingest.parse import Reading
from jobs.ingest.reports import FeedReport, ReportStatus
from jobs.ingest.tag import KeywordMatcher, Tagger
from storage import feeds as feed_store
from storage.models import Feed
from storage.stories import (
    NewBrief,
    NewStory,
    known_brief_keys,
    recent_stories,
    store_briefs,
    store_story_keywords,
)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    limits: FetchLimits = field(default_factory=FetchLimits)
    backoff_base: timedelta = timedelta(minutes=10)
    concurrency: int = 4  # feeds fetched at once
    max_articles: int = 10  # article pages fetched per feed per run
    article_concurrency: int = 2


DEFAULT_OPTIONS = IngestOptions()


@dataclass(slots=True)
class Counts:
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    briefs: int = 0
    articles: int = 0


async def new_briefs(
    sessions: async_sessionmaker[AsyncSession], origin: str, reading: Reading, counts: Counts
) -> list[BriefDraft]:
    """The briefs not stored before; the stories of the others count as duplicates."""
    async with sessions() as session:
        known = await known_brief_keys(session, (brief_key(origin, b.key) for b in reading.briefs))
    fresh = []
    for brief in reading.briefs:
        if brief_key(origin, brief.key) in known:
            counts.duplicates += len(brief.stories)
        else:
            fresh.append(brief)
    return fresh


async def with_articles(
    client: httpx.AsyncClient,
    briefs: list[BriefDraft],
    reading: Reading,
    options: IngestOptions,
    counts: Counts,
) -> list[BriefDraft]:
    """Replace summary-only briefs by their article page's text, for a few per run."""
    wanted = [b for b in briefs if b.key in reading.summary_only and b.url]
    chosen = {id(b) for b in wanted[: options.max_articles]}
    gate = asyncio.Semaphore(options.article_concurrency)

    async def one(brief: BriefDraft) -> BriefDraft:
        if id(brief) not in chosen:
            return brief
        async with gate:
            expanded, fetched = await with_article(client, brief, options.limits)
        counts.articles += fetched
        return expanded

    return list(await asyncio.gather(*(one(b) for b in briefs)))


async def prepare(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    origin: str,
    reading: Reading,
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
    options: IngestOptions,
    counts: Counts,
) -> list[PreparedBrief]:
    """The briefs not stored before, with article pages fetched, keyed and tagged."""
    briefs = await new_briefs(sessions, origin, reading, counts)
    briefs = await with_articles(client, briefs, reading, options, counts)
    return await asyncio.to_thread(
        lambda: [prepare_brief(origin, b, tagger, matcher, now) for b in briefs]
    )


async def store(
    session: AsyncSession,
    feed_id: int | None,
    prepared: list[PreparedBrief],
    now: datetime,
    counts: Counts,
) -> None:
    """Store the prepared briefs in the caller's transaction, counting what happened;
    each new story joins its event (``jobs.events.assign``) in the same transaction."""
    briefs = [
        NewBrief(
            key=key,
            title=draft.title,
            url=draft.url,
            summary=draft.summary,
            published_at=as_utc(draft.published_at, now),
            stories=stories,
        )
        for key, draft, stories in prepared
    ]
    results = await store_briefs(session, briefs, feed_id=feed_id, now=now)
    counts.briefs += len(results)
    await assign_events(session, [i for result in results for i in result.story_ids], now)
    for result in results:
        counts.new += result.new
        counts.duplicates += result.duplicates
        counts.near_duplicates += result.near_duplicates


def report(name: str, feed_id: int | None, counts: Counts) -> FeedReport:
    return FeedReport(
        name,
        feed_id,
        ReportStatus.OK,
        new=counts.new,
        duplicates=counts.duplicates,
        near_duplicates=counts.near_duplicates,
        briefs=counts.briefs,
        articles=counts.articles,
    )


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


class PreparedBrief(NamedTuple):
    key: str
    draft: BriefDraft
    stories: list[NewStory]


def brief_key(origin: str, item_key: str) -> str:
    """A brief's identity: its item key (guid, link or title) within its origin (feed URL)."""
    return hashlib.sha256(f"{origin}\n{item_key}".encode()).hexdigest()


def as_utc(moment: datetime | None, now: datetime) -> datetime | None:
    """An aware UTC time (naive ones are taken as UTC), never later than ``now``."""
    if moment is None:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return min(moment, now)


def prepare_brief(
    origin: str,
    brief: BriefDraft,
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
) -> PreparedBrief:
    """The brief's key and its stories, keyed, fingerprinted and tagged."""
    stories = []
    for story in brief.stories:
        if not (story.title.strip() or story.text.strip()):
            continue
        topics = story.topics or tagger.tag(story.title, story.text)
        keywords = matcher.match(story.title, story.text) if matcher else {}
        stories.append(
            NewStory(
                title=story.title,
                text=story.text,
                url=story.url or brief.url,
                position=story.position,
                published_at=as_utc(story.published_at or brief.published_at, now),
                content_key=content_key(story.title, story.text),
                simhash=simhash(story.text),
                topics={slug: list(terms) for slug, terms in topics.items()},
                keywords={kw: list(terms) for kw, terms in keywords.items()},
            )
        )
    return PreparedBrief(brief_key(origin, brief.key), brief, stories)


async def backfill_keywords(session: AsyncSession, keywords: Iterable[str], since: datetime) -> int:
    """Record which stories stored since ``since`` mention ``keywords``; returns the hits."""
    matcher = KeywordMatcher(keywords)
    if not matcher.keywords:
        return 0
    rows = [
        (story.id, keyword, terms)
        for story in await recent_stories(session, since)
        for keyword, terms in matcher.match(story.title, story.text).items()
    ]
    await store_story_keywords(session, rows)
    return len(rows)


async def failed(
    sessions: async_sessionmaker[AsyncSession],
    feed_id: int,
    name: str,
    now: datetime,
    error: str,
    options: IngestOptions,
    at_least: timedelta | None = None,
) -> FeedReport:
    """Record a failed fetch or poll on the feed (with back-off) and report it."""
    retry_at = None
    async with sessions.begin() as session:
        feed = await session.get(Feed, feed_id, populate_existing=True)
        if feed is not None:
            await feed_store.record_failure(
                session, feed, now, error, base=options.backoff_base, at_least=at_least
            )
            retry_at = feed.next_poll_at
    return FeedReport(name, feed_id, ReportStatus.FAILED, error=error, retry_at=retry_at)
