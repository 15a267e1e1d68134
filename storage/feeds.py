"""Feeds and the state of their fetches."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts, rowcount
from storage.models import Feed, SeededDefault
from storage.states import FeedKind
from storage.types import utcnow

MAX_BACKOFF = timedelta(hours=24)
MAILBOX_SCHEMES = ("imaps://", "imap://")


async def add_feed(
    session: AsyncSession, url: str, title: str | None = None, kind: FeedKind | None = None
) -> tuple[Feed, bool]:
    """Add a feed (or a mailbox, by its imaps:// or imap:// URL) by URL; returns (feed,
    created). Adding it twice changes nothing."""
    if kind is None:
        kind = FeedKind.MAILBOX if url.startswith(MAILBOX_SCHEMES) else FeedKind.FEED
    result = await session.execute(
        insert_ignoring_conflicts(session, Feed.__table__).values(
            url=url,
            title=title,
            kind=kind,
            enabled=True,
            consecutive_failures=0,
            created_at=utcnow(),
        )
    )
    feed = await get_feed(session, url)
    assert feed is not None
    return feed, bool(rowcount(result))


async def mark_defaults_seeded(session: AsyncSession) -> bool:
    """Record that the default feeds were added to this database; True only the first time.

    The caller adds them only on True, in the same transaction, so two processes
    starting on one new database seed them once.
    """
    result = await session.execute(
        insert_ignoring_conflicts(session, SeededDefault.__table__).values(
            name="feeds", seeded_at=utcnow()
        )
    )
    return bool(rowcount(result))


async def add_feeds(session: AsyncSession, feeds: list[tuple[str, str | None]]) -> int:
    """Add many feeds (``(url, title)`` pairs) in a few statements; returns how many
    were new. Feeds already there are left as they are."""
    before = await session.scalar(select(func.count()).select_from(Feed))
    now = utcnow()
    rows = [
        {
            "url": url,
            "title": title,
            "kind": FeedKind.FEED,
            "enabled": True,
            "consecutive_failures": 0,
            "created_at": now,
        }
        for url, title in feeds
    ]
    for start in range(0, len(rows), 500):  # under SQLite's limit of bound parameters
        await session.execute(
            insert_ignoring_conflicts(session, Feed.__table__).values(rows[start : start + 500])
        )
    after = await session.scalar(select(func.count()).select_from(Feed))
    return int(after or 0) - int(before or 0)


async def get_feed(session: AsyncSession, url: str) -> Feed | None:
    return (await session.scalars(select(Feed).where(Feed.url == url))).one_or_none()


async def list_feeds(session: AsyncSession) -> list[Feed]:
    return list(await session.scalars(select(Feed).order_by(Feed.id)))


async def remove_feed(session: AsyncSession, url_or_id: str) -> bool:
    """Remove a feed given its URL or its numeric id; its stories stay."""
    condition = Feed.url == url_or_id
    if url_or_id.isdigit():
        condition = or_(condition, Feed.id == int(url_or_id))
    result = await session.execute(delete(Feed).where(condition))
    return bool(rowcount(result))


async def due_feeds(
    session: AsyncSession, now: datetime, *, backing_off: bool = False
) -> list[Feed]:
    """Enabled feeds and mailboxes whose back-off (if any) has run out (or all of them,
    ``backing_off``). Newsletters are not polled: their mailbox is."""
    due = or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now)
    result = await session.scalars(
        select(Feed)
        .where(Feed.enabled, Feed.kind != FeedKind.NEWSLETTER, *([] if backing_off else [due]))
        .order_by(Feed.id)
    )
    return list(result)


def backoff(failures: int, base: timedelta) -> timedelta:
    """How long to leave a feed alone after ``failures`` failures in a row."""
    if failures <= 0:
        return timedelta(0)
    return min(base * (2 ** (failures - 1)), MAX_BACKOFF)


async def record_success(
    session: AsyncSession,
    feed: Feed,
    now: datetime,
    *,
    etag: str | None,
    last_modified: str | None,
    title: str | None = None,
) -> None:
    """A fetch worked (a 304 counts): clear the error and remember the validators."""
    feed.last_polled_at = now
    feed.last_success_at = now
    feed.last_error = None
    feed.consecutive_failures = 0
    feed.next_poll_at = None
    feed.etag = etag
    feed.last_modified = last_modified
    if title and not feed.title:
        feed.title = title[:256]
    await session.flush()


async def record_failure(
    session: AsyncSession,
    feed: Feed,
    now: datetime,
    error: str,
    *,
    base: timedelta,
    at_least: timedelta | None = None,
) -> None:
    """A fetch failed: count it and back off exponentially (capped at a day), or for
    ``at_least`` when the server asked for longer (Retry-After)."""
    feed.last_polled_at = now
    feed.last_error = error[:2000]
    feed.consecutive_failures += 1
    wait = backoff(feed.consecutive_failures, base)
    feed.next_poll_at = now + max(wait, min(at_least or wait, MAX_BACKOFF))
    await session.flush()
