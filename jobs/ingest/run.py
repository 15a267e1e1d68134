"""Ingesting: fetch > read (parse, split) > fetch article pages > tag > store.

A feed's template (the blocks its earlier issues repeat, ``storage.templates``)
is loaded before its bytes are read and handed to the splitter; each new issue
then adds its blocks to the template, in the same transaction as its stories.

One feed's trouble never stops the others: each feed is fetched, read and
stored on its own, a bounded number at a time, and every failure of the feed
(the fetch layer's, or a ``FeedError`` from reading it) is written to the
feed's row (last error, failures in a row, back-off) and to its report. Any
other exception is a bug of ours, not the feed's: it propagates from
``ingest_feed`` and is never recorded as the feed failing.
No session is held across a network wait: the fetches come first, then one
short transaction per feed stores what they brought.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.errors import FeedError, FeedGoneError, SourceError
from jobs.ingest.emails import MAX_MESSAGE_BYTES, is_message_file
from jobs.ingest.fetch import FetchStatus, fetch, redact_url
from jobs.ingest.mailbox import MailOptions, ingest_mailbox, is_mailbox_url
from jobs.ingest.newsletters import ingest_message
from jobs.ingest.parse import read
from jobs.ingest.reports import FeedReport, ReportStatus, summarise
from jobs.ingest.split.layout import MIN_ISSUES
from jobs.ingest.store import (
    DEFAULT_OPTIONS,
    Counts,
    IngestOptions,
    failed,
    one_line,
    prepare,
    report,
    store,
)
from jobs.ingest.tag import KeywordMatcher, Tagger
from storage import feeds as feed_store
from storage import templates
from storage.job_runs import record_job_run
from storage.models import Feed
from storage.states import FeedKind
from storage.subscribers import all_tracked_keywords

log = logging.getLogger(__name__)

JOB_NAME = "ingest"


async def ingest_feed(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    feed_id: int,
    tagger: Tagger,
    keyword_matcher: KeywordMatcher | None,
    now: datetime,
    *,
    options: IngestOptions = DEFAULT_OPTIONS,
    mail: MailOptions | None = None,
) -> FeedReport:
    """Fetch one feed conditionally (or poll one mailbox), store its new stories, and
    record how it went.

    A fetch failure or a ``FeedError`` is the feed's failure (recorded, with
    back-off); any other exception propagates untouched.
    """
    async with sessions() as session:
        feed = await session.get(Feed, feed_id)
        if feed is None:
            return FeedReport(f"feed {feed_id}", feed_id, ReportStatus.FAILED, error="no such feed")
        if feed.kind is FeedKind.NEWSLETTER:  # its mailbox is polled, not the newsletter
            return FeedReport(feed.url, feed_id, ReportStatus.UNCHANGED)
        url, etag, last_modified = feed.url, feed.etag, feed.last_modified
        template = await templates.template_of(session, feed_id, MIN_ISSUES)
    if is_mailbox_url(url):
        return await ingest_mailbox(
            sessions,
            feed_id,
            url,
            tagger,
            keyword_matcher,
            now,
            mail=mail or MailOptions(),
            options=options,
        )
    name = redact_url(url)
    try:
        result = await fetch(
            client, url, etag=etag, last_modified=last_modified, limits=options.limits
        )
        if result.status is FetchStatus.NOT_MODIFIED:
            async with sessions.begin() as session:
                feed = await _feed(session, feed_id)
                await feed_store.record_success(
                    session,
                    feed,
                    now,
                    etag=result.etag or etag,
                    last_modified=result.last_modified or last_modified,
                )
            return FeedReport(name, feed_id, ReportStatus.UNCHANGED)
        if not result.ok:
            error = result.error or "failed"
            return await failed(
                sessions, feed_id, name, now, error, options, at_least=result.retry_after
            )
        try:
            reading = await asyncio.to_thread(
                read,
                result.body,
                name=result.final_url,
                content_type=result.content_type,
                feed_only=True,
                template=template,
            )
        except FeedError as exc:
            error = _unprefixed(one_line(exc), result.final_url, url)
            return await failed(sessions, feed_id, name, now, error, options)
        counts = Counts()
        prepared = await prepare(
            sessions, client, url, reading, tagger, keyword_matcher, now, options, counts
        )
        async with sessions.begin() as session:
            await store(session, feed_id, prepared, now, counts)
            # Only new issues teach the template: a re-fetched one must not count twice.
            layouts = [p.draft.layout for p in prepared if p.draft.layout]
            await templates.learn(session, feed_id, layouts, now)
            feed = await _feed(session, feed_id)
            await feed_store.record_success(
                session,
                feed,
                now,
                etag=result.etag,
                last_modified=result.last_modified,
                title=reading.title,
            )
        return report(name, feed_id, counts)
    except FeedGoneError as exc:
        return FeedReport(name, feed_id, ReportStatus.FAILED, error=str(exc))


async def ingest_due_feeds(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    tagger: Tagger,
    now: datetime,
    *,
    options: IngestOptions = DEFAULT_OPTIONS,
    include_backing_off: bool = False,
    mail: MailOptions | None = None,
) -> list[FeedReport]:
    """Ingest every feed that is due (or every enabled one), a few at a time.

    Records a ``job_runs`` row named "ingest" with a one-line summary.
    """
    async with sessions() as session:
        due = await feed_store.due_feeds(session, now, backing_off=include_backing_off)
        keywords = await all_tracked_keywords(session)
    feed_ids = [f.id for f in due]
    matcher = KeywordMatcher(keywords) if keywords else None
    gate = asyncio.Semaphore(options.concurrency)

    async def one(feed_id: int) -> FeedReport:
        async with gate:
            try:
                return await ingest_feed(
                    sessions, client, feed_id, tagger, matcher, now, options=options, mail=mail
                )
            except Exception as exc:  # a bug, or the database is down: not the feed's fault
                log.error("ingesting feed %s failed", feed_id, exc_info=True)
                text = f"internal error: {type(exc).__name__}: {one_line(exc)}"
                return FeedReport(f"feed {feed_id}", feed_id, ReportStatus.FAILED, error=text)

    reports = list(await asyncio.gather(*(one(i) for i in feed_ids)))
    summary = summarise(reports)
    all_failed = bool(reports) and all(r.status is ReportStatus.FAILED for r in reports)
    async with sessions.begin() as session:
        await record_job_run(
            session,
            JOB_NAME,
            started_at=now,
            finished_at=now,
            summary=summary,
            error="every feed failed" if all_failed else None,
        )
    log.info("ingest: %s", summary)
    return reports


async def ingest_sources(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    sources: Sequence[str],
    tagger: Tagger,
    now: datetime,
    *,
    options: IngestOptions = DEFAULT_OPTIONS,
) -> list[FeedReport]:
    """Ingest files or URLs named on the command line (not stored as feeds)."""
    async with sessions() as session:
        keywords = await all_tracked_keywords(session)
    matcher = KeywordMatcher(keywords) if keywords else None
    reports = []
    for source in sources:
        try:
            report = await _ingest_source(sessions, client, source, tagger, matcher, now, options)
        except Exception as exc:
            log.warning("ingesting %s failed", source, exc_info=True)
            text = f"internal error: {type(exc).__name__}: {one_line(exc)}"
            report = FeedReport(redact_url(source), None, ReportStatus.FAILED, error=text)
        reports.append(report)
    return reports


async def _ingest_source(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    source: str,
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
    options: IngestOptions,
) -> FeedReport:
    name = redact_url(source)
    if source.startswith(("http://", "https://")):
        result = await fetch(client, source, limits=options.limits)
        if not result.ok:
            return FeedReport(name, None, ReportStatus.FAILED, error=result.error)
        data, content_type, origin = result.body, result.content_type, source
    else:
        cap = MAX_MESSAGE_BYTES if is_message_file(source) else options.limits.max_bytes
        try:
            data = _read_file(Path(source), cap)
        except OSError as exc:
            error = f"cannot read {source}: {exc.strerror or exc}"
            return FeedReport(name, None, ReportStatus.FAILED, error=error)
        except SourceError as exc:
            return FeedReport(name, None, ReportStatus.FAILED, error=str(exc))
        content_type = mimetypes.guess_type(source)[0]
        origin = "file:" + hashlib.sha256(data).hexdigest()
    if is_message_file(source):
        return await ingest_message(sessions, data, source, tagger, matcher, now)
    try:
        reading = await asyncio.to_thread(
            read, data, name=source, content_type=content_type, feed_only=False
        )
    except FeedError as exc:
        error = _unprefixed(one_line(exc), source)
        return FeedReport(name, None, ReportStatus.FAILED, error=error)
    counts = Counts()
    prepared = await prepare(
        sessions, client, origin, reading, tagger, matcher, now, options, counts
    )
    async with sessions.begin() as session:
        await store(session, None, prepared, now, counts)
    return report(name, None, counts)


def _unprefixed(error: str, *urls: str) -> str:
    """The reader's message without the URL it starts with (the report names it already),
    and with no secret from a URL left in it."""
    for url in urls:
        error = error.removeprefix(f"{url}: ").replace(url, redact_url(url))
    return error


def _read_file(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceError(f"{path} is {size:,} bytes, over the {max_bytes:,}-byte limit")
    return path.read_bytes()


async def _feed(session: AsyncSession, feed_id: int) -> Feed:
    feed = await session.get(Feed, feed_id, populate_existing=True)
    if feed is None:
        raise FeedGoneError(f"feed {feed_id} was removed while it was being fetched")
    return feed
