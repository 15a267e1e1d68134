"""Feeds and their fetch state, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage import feeds

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


async def test_adding_a_feed_twice_stores_it_once(session: AsyncSession) -> None:
    first, created = await feeds.add_feed(session, "https://example.org/a.xml", "A")
    again, created_again = await feeds.add_feed(session, "https://example.org/a.xml")

    assert created and not created_again
    assert first.id == again.id
    urls = [f.url for f in await feeds.list_feeds(session)]
    assert urls.count("https://example.org/a.xml") == 1


async def test_a_feed_is_removed_by_url_or_by_id(session: AsyncSession) -> None:
    a, _ = await feeds.add_feed(session, "https://example.org/a.xml")
    await feeds.add_feed(session, "https://example.org/b.xml")

    assert await feeds.remove_feed(session, str(a.id))
    assert await feeds.remove_feed(session, "https://example.org/b.xml")
    assert not await feeds.remove_feed(session, "https://example.org/none.xml")
    assert await feeds.get_feed(session, "https://example.org/a.xml") is None


async def test_failures_back_off_exponentially_and_success_resets(session: AsyncSession) -> None:
    feed, _ = await feeds.add_feed(session, "https://example.org/dead.xml")
    base = timedelta(minutes=10)

    await feeds.record_failure(session, feed, NOW, "HTTP 500", base=base)
    await feeds.record_failure(session, feed, NOW, "HTTP 500", base=base)
    await feeds.record_failure(session, feed, NOW, "timed out", base=base)

    assert feed.consecutive_failures == 3
    assert feed.next_poll_at == NOW + timedelta(minutes=40)
    assert feed.last_error == "timed out"
    due = await feeds.due_feeds(session, NOW + timedelta(minutes=39))
    assert feed.id not in [f.id for f in due]
    due = await feeds.due_feeds(session, NOW + timedelta(minutes=40))
    assert feed.id in [f.id for f in due]

    await feeds.record_success(session, feed, NOW, etag='"v2"', last_modified=None, title="Dead")
    assert (feed.consecutive_failures, feed.last_error, feed.next_poll_at) == (0, None, None)
    assert feed.etag == '"v2"' and feed.title == "Dead"


def test_back_off_is_capped_at_a_day() -> None:
    assert feeds.backoff(0, timedelta(minutes=10)) == timedelta(0)
    assert feeds.backoff(30, timedelta(minutes=10)) == timedelta(hours=24)
