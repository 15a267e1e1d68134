"""Preferred sources on SQLite and PostgreSQL: an ordered list, each source once, that goes
with its subscriber and with its source."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import feeds, preferred, subscribers
from storage.models import Feed


async def _feed(session: AsyncSession, url: str, title: str | None) -> int:
    feed = Feed(url=url, title=title)
    session.add(feed)
    await session.flush()
    return feed.id


async def _rows(session: AsyncSession) -> int:
    count = select(func.count()).select_from(preferred.PreferredSource)
    return int(await session.scalar(count) or 0)


async def test_the_list_keeps_its_order_names_a_source_once_and_replaces_the_last(
    session: AsyncSession,
) -> None:
    subscriber, _ = await subscribers.subscribe(session, 6001)
    bbc = await _feed(session, "https://bbc.example/rss", "BBC")
    nyt = await _feed(session, "https://nyt.example/rss", None)

    await preferred.set_preferred_sources(session, subscriber.id, [nyt, bbc, nyt])
    first = await preferred.preferred_sources(session, subscriber.id)
    await preferred.set_preferred_sources(session, subscriber.id, [bbc])
    second = await preferred.preferred_sources(session, subscriber.id)
    known = await preferred.known_sources(session)

    assert first == [nyt, bbc] and second == [bbc]
    assert known[bbc] == "BBC" and known[nyt] == "nyt.example"  # a feed without a title


async def test_a_source_cannot_stand_twice_in_one_list(session: AsyncSession) -> None:
    subscriber, _ = await subscribers.subscribe(session, 6002)
    bbc = await _feed(session, "https://bbc.example/rss", "BBC")
    session.add_all(
        preferred.PreferredSource(subscriber_id=subscriber.id, position=i, feed_id=bbc)
        for i in (1, 2)
    )
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_the_list_goes_with_its_subscriber_and_with_its_source(
    session: AsyncSession,
) -> None:
    subscriber, _ = await subscribers.subscribe(session, 6003)
    other, _ = await subscribers.subscribe(session, 6004)
    bbc = await _feed(session, "https://bbc.example/rss", "BBC")
    nyt = await _feed(session, "https://nyt.example/rss", "NYT")
    await preferred.set_preferred_sources(session, subscriber.id, [bbc, nyt])
    await preferred.set_preferred_sources(session, other.id, [nyt])

    assert await feeds.remove_feed(session, "https://nyt.example/rss")
    after_removal = await preferred.preferred_sources(session, subscriber.id)
    assert await subscribers.forget(session, 6003)

    assert after_removal == [bbc]
    assert await preferred.preferred_sources(session, other.id) == []
    assert await _rows(session) == 0
