"""Storage for feed health: stories per recent brief, and alert marks that race safely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import feeds as feed_store
from storage import incidents
from storage.models import Brief, Feed, OutboxMessage, Story
from storage.states import FeedAlertKind

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def add_issue(
    session: AsyncSession, feed_id: int, title: str, stories: int, hours_ago: float
) -> None:
    at = NOW - timedelta(hours=hours_ago)
    brief = Brief(key=f"{feed_id}-{title}", feed_id=feed_id, title=title, ingested_at=at)
    session.add(brief)
    await session.flush()
    session.add_all(
        Story(
            brief_id=brief.id,
            position=n,
            title=f"{title} {n}",
            text="text",
            content_key=f"{feed_id}-{title}-{n}",
            ingested_at=at,
        )
        for n in range(1, stories + 1)
    )
    await session.flush()


async def test_recent_brief_counts_give_each_feeds_latest_briefs_newest_first(
    session: AsyncSession,
) -> None:
    a, _ = await feed_store.add_feed(session, "https://a.example/feed")
    b, _ = await feed_store.add_feed(session, "https://b.example/feed")
    for n, count in enumerate([6, 5, 7, 1]):
        await add_issue(session, a.id, f"A{n}", count, hours_ago=10 - n)
    await add_issue(session, a.id, "A-dupes", 0, hours_ago=0)  # every story known already
    await add_issue(session, a.id, "A-ancient", 9, hours_ago=24 * 200)
    await add_issue(session, b.id, "B0", 2, hours_ago=1)

    counts = await incidents.recent_brief_counts(session, NOW, per_feed=3)

    assert [(c.title, c.stories) for c in counts[a.id]] == [("A3", 1), ("A2", 7), ("A1", 5)]
    assert [(c.title, c.stories) for c in counts[b.id]] == [("B0", 2)]


async def test_an_incident_is_marked_once_when_two_checks_race(session: AsyncSession) -> None:
    feed, _ = await feed_store.add_feed(session, "https://a.example/feed")

    first = await incidents.mark_alerted(
        session, feed.id, None, FeedAlertKind.FAILING, "failing since …", NOW
    )
    second = await incidents.mark_alerted(
        session, feed.id, None, FeedAlertKind.FAILING, "failing since …", NOW
    )

    assert (first, second) == (True, False)
    assert [f.id for f in await incidents.alerted_feeds(session)] == [feed.id]
    await incidents.clear_alerts(session, [feed.id])
    row = await session.get(Feed, feed.id, populate_existing=True)
    assert row is not None and row.alert_kind is None and row.alerted_at is None


async def test_admin_texts_are_queued_one_per_chat_without_a_subscriber(
    session: AsyncSession,
) -> None:
    await incidents.enqueue_admin_texts(session, [222, 111], "⚠️ <b>Feed alert</b>", NOW)

    rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id)))
    assert [(r.chat_id, r.subscriber_id, r.text) for r in rows] == [
        (111, None, "⚠️ <b>Feed alert</b>"),
        (222, None, "⚠️ <b>Feed alert</b>"),
    ]
