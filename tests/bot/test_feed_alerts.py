"""Feed alerts reach the admins through the outbox, and /stats shows the open incident."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.sender import OutboxSender
from jobs.feeds.alerts import check_feed_health
from storage import feeds as feed_store
from storage.types import utcnow
from tests.bot.conftest import ADMIN, ME, World

THRESHOLD = timedelta(hours=6)


async def break_a_feed(world: World, hours: int) -> str:
    """The first feed worked ``hours`` ago and has failed ever since; returns its URL."""
    now = utcnow()
    async with world.sessions.begin() as session:
        feed = (await feed_store.list_feeds(session))[0]
        feed.title = "Morning <Brief> & Co"
        await feed_store.record_success(
            session, feed, now - timedelta(hours=hours), etag=None, last_modified=None
        )
        for ago in (hours - 1, hours // 2, 1):
            error = "HTTP 503 from the server"
            await feed_store.record_failure(
                session, feed, now - timedelta(hours=ago), error, base=timedelta(minutes=10)
            )
        return feed.url


async def test_the_admin_receives_one_alert_for_a_feed_down_for_hours_and_sees_it_in_stats(
    world: World,
) -> None:
    url = await break_a_feed(world, hours=9)
    sender = OutboxSender(world.application.bot, world.sessions, worker_id="test")

    for _ in range(3):  # three polls, one incident
        await check_feed_health(
            world.sessions, utcnow(), threshold=THRESHOLD, admin_chat_ids={ADMIN}
        )
        await sender.drain()

    [alert] = world.api.sent_to(ADMIN)
    assert alert.text.startswith("⚠️ Feed alert: Morning <Brief> & Co")
    assert "failing since" in alert.text and "(9 h)" in alert.text
    assert "HTTP 503 from the server" in alert.text
    assert url in alert.text
    assert world.api.sent_to(ME) == []

    (stats,) = await world.say("/stats", ADMIN)

    lines = stats.text.splitlines()
    assert any(line.startswith("Feeds: 5 (1 failing)") for line in lines)
    assert any(line.startswith("  ⚠️ Morning <Brief> & Co: failing since") for line in lines), lines


async def test_a_feed_down_for_less_than_the_threshold_alerts_nobody(world: World) -> None:
    await break_a_feed(world, hours=4)
    sender = OutboxSender(world.application.bot, world.sessions, worker_id="test")

    report = await check_feed_health(
        world.sessions, utcnow(), threshold=THRESHOLD, admin_chat_ids={ADMIN}
    )
    await sender.drain()

    assert report.alerted == []
    assert world.api.sent_to(ADMIN) == []
