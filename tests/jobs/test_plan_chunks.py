"""Planning a chunk of subscribers at a time gives everyone what one pass would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from jobs.plan import plan_due_digests, plan_instant
from storage.mutes import mute_topic
from storage.states import DeliveryMode
from tests.factories import StorySpec, add_brief, add_subscriber, outbox_of, sent_story_titles

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
DAY_ONE = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)


async def test_subscribers_planned_two_at_a_time_get_their_own_stories_on_both_days(
    session: AsyncSession,
) -> None:
    # Chunks of two: (1, 2), (3, 4), (5); the Gaza followers 2 and 3 fall in different ones.
    await add_subscriber(session, 1, created_at=LONG_AGO, topics=["trade"])
    await add_subscriber(session, 2, created_at=LONG_AGO, topics=["gaza"])
    await add_subscriber(session, 3, created_at=LONG_AGO, topics=["gaza"])
    await add_subscriber(session, 4, created_at=LONG_AGO, topics=["trade"], keywords=["arctic"])
    muting = await add_subscriber(session, 5, created_at=LONG_AGO, topics=["gaza", "trade"])
    await mute_topic(session, muting.id, "trade")
    await add_brief(
        session,
        DAY_ONE - timedelta(hours=2),
        [
            StorySpec("Gaza truce", ["gaza"]),
            StorySpec("Tariffs rise", ["trade"]),
            StorySpec("Arctic ice", ["climate"], keywords=["arctic"]),
        ],
    )

    first = await plan_due_digests(
        session, DAY_ONE, lookback=timedelta(hours=48), max_stories=10, chunk=2
    )
    await add_brief(
        session,
        DAY_ONE + timedelta(hours=20),
        [StorySpec("Gaza aid", ["gaza"]), StorySpec("Steel quotas", ["trade"])],
    )
    second = await plan_due_digests(
        session, DAY_ONE + timedelta(days=1), lookback=timedelta(hours=48), max_stories=10, chunk=2
    )

    assert (first.digests, first.stories) == (5, 6)
    assert (second.digests, second.stories) == (5, 5)
    assert await sent_story_titles(session, 1) == [["Tariffs rise"], ["Steel quotas"]]
    assert await sent_story_titles(session, 2) == [["Gaza truce"], ["Gaza aid"]]
    assert await sent_story_titles(session, 3) == [["Gaza truce"], ["Gaza aid"]]
    assert await sent_story_titles(session, 4) == [
        ["Tariffs rise", "Arctic ice"],
        ["Steel quotas"],
    ]
    assert await sent_story_titles(session, 5) == [["Gaza truce"], ["Gaza aid"]]
    for chat_id in range(1, 6):
        assert len(await outbox_of(session, chat_id)) == 2


async def test_instant_alerts_planned_one_subscriber_at_a_time_reach_everyone_once(
    session: AsyncSession,
) -> None:
    for chat_id in (1, 2, 3):
        await add_subscriber(
            session, chat_id, created_at=LONG_AGO, topics=["gaza"], mode=DeliveryMode.INSTANT
        )
    await add_brief(session, DAY_ONE - timedelta(minutes=5), [StorySpec("Gaza truce", ["gaza"])])
    noon = DAY_ONE.replace(hour=12)

    first = await plan_instant(session, noon, chunk=1)
    again = await plan_instant(session, noon + timedelta(minutes=5), chunk=1)

    assert (first.digests, again.digests) == (3, 0)
    for chat_id in (1, 2, 3):
        assert await sent_story_titles(session, chat_id) == [["Gaza truce"]]
