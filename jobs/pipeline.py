"""The steps every ingest shares once bytes are read: skip known briefs, fetch
article pages for summary-only items, key and tag the stories, store them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.articles import with_article
from jobs.dedupe import NEAR_DUPLICATE_BITS
from jobs.drafts import BriefDraft
from jobs.fetch import FetchLimits
from jobs.prepare import (
    KeywordMatching,
    PreparedBrief,
    Reader,
    Reading,
    Tagging,
    as_utc,
    brief_key,
    prepare_brief,
)
from jobs.reports import FeedReport, ReportStatus
from storage.stories import NewBrief, known_brief_keys, store_briefs


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
    reader: Reader,
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
            expanded, fetched = await with_article(client, brief, reader, options.limits)
        counts.articles += fetched
        return expanded

    return list(await asyncio.gather(*(one(b) for b in briefs)))


async def prepare(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    origin: str,
    reading: Reading,
    tagger: Tagging,
    matcher: KeywordMatching | None,
    now: datetime,
    reader: Reader,
    options: IngestOptions,
    counts: Counts,
) -> list[PreparedBrief]:
    """The briefs not stored before, with article pages fetched, keyed and tagged."""
    briefs = await new_briefs(sessions, origin, reading, counts)
    briefs = await with_articles(client, briefs, reading, reader, options, counts)
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
    """Store the prepared briefs in the caller's transaction, counting what happened."""
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
    results = await store_briefs(
        session, briefs, feed_id=feed_id, now=now, near_bits=NEAR_DUPLICATE_BITS
    )
    counts.briefs += len(results)
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
