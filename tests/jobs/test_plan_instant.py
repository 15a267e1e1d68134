"""Instant alerts: a matching story soon after ingest, once, never at night where they live."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from jobs.plan import plan_due_digests, plan_instant
from storage.states import DeliveryMode, DigestKind
from storage.subscribers import set_quiet_hours
from tests.factories import StorySpec, add_brief, add_subscriber, digests_of, sent_story_titles

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV).astimezone(UTC)  # type: ignore[misc]


async def test_an_instant_subscriber_gets_new_stories_once_in_one_message_per_run(
    session: AsyncSession,
) -> None:
    await add_subscriber(
        session, 21, created_at=LONG_AGO, topics=["gaza"], mode=DeliveryMode.INSTANT
    )
    await add_brief(
        session,
        kyiv(2026, 2, 12, 10, 0),
        [StorySpec("Gaza one", ["gaza"]), StorySpec("Gaza two", ["gaza"]), StorySpec("Trade")],
    )

    first = await plan_instant(session, kyiv(2026, 2, 12, 10, 5))
    second = await plan_instant(session, kyiv(2026, 2, 12, 10, 15))
    await add_brief(session, kyiv(2026, 2, 12, 10, 20), [StorySpec("Gaza three", ["gaza"])])
    third = await plan_instant(session, kyiv(2026, 2, 12, 10, 25))

    assert (first.digests, first.stories) == (1, 2)
    assert second.digests == 0
    assert third.stories == 1
    assert await sent_story_titles(session, 21) == [["Gaza one", "Gaza two"], ["Gaza three"]]
    assert {d.kind for d in await digests_of(session, 21)} == {DigestKind.INSTANT}


async def test_a_story_ingested_at_night_waits_for_the_morning_in_the_subscribers_zone(
    session: AsyncSession,
) -> None:
    await add_subscriber(
        session,
        22,
        created_at=LONG_AGO,
        topics=["ukraine"],
        timezone="Europe/Kyiv",
        mode=DeliveryMode.INSTANT,
    )
    await add_brief(session, kyiv(2026, 2, 12, 23, 10), [StorySpec("Night news", ["ukraine"])])

    night = [await plan_instant(session, kyiv(2026, 2, 13, h, 0)) for h in range(0, 7)]
    morning = await plan_instant(session, kyiv(2026, 2, 13, 7, 0))

    assert sum(r.digests for r in night) == 0
    assert morning.digests == 1
    assert await sent_story_titles(session, 22) == [["Night news"]]


async def test_quiet_hours_are_configurable(session: AsyncSession) -> None:
    await add_subscriber(
        session, 23, created_at=LONG_AGO, topics=["ukraine"], mode=DeliveryMode.INSTANT
    )
    await add_brief(
        session, datetime(2026, 2, 12, 12, tzinfo=UTC), [StorySpec("Noon", ["ukraine"])]
    )

    lunch = await plan_instant(
        session, datetime(2026, 2, 12, 12, 30, tzinfo=UTC), quiet_start=time(12), quiet_end=time(13)
    )
    after = await plan_instant(
        session, datetime(2026, 2, 12, 13, 0, tzinfo=UTC), quiet_start=time(12), quiet_end=time(13)
    )

    assert (lunch.digests, after.digests) == (0, 1)


async def test_a_both_mode_subscriber_does_not_get_an_instant_story_again_in_the_digest(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 24, created_at=LONG_AGO, topics=["trade"], mode=DeliveryMode.BOTH)
    await add_brief(
        session, datetime(2026, 2, 12, 5, tzinfo=UTC), [StorySpec("Tariffs", ["trade"])]
    )
    await plan_instant(session, datetime(2026, 2, 12, 7, 0, tzinfo=UTC))
    await add_brief(
        session, datetime(2026, 2, 12, 7, 10, tzinfo=UTC), [StorySpec("Deal", ["trade"])]
    )

    await plan_due_digests(
        session,
        datetime(2026, 2, 12, 7, 30, tzinfo=UTC),
        lookback=timedelta(hours=48),
        max_stories=10,
    )
    later = await plan_instant(session, datetime(2026, 2, 12, 7, 40, tzinfo=UTC))

    assert await sent_story_titles(session, 24) == [["Tariffs"], ["Deal"]]
    assert later.digests == 0


async def test_digest_only_subscribers_get_no_instant_alerts(session: AsyncSession) -> None:
    await add_subscriber(session, 25, created_at=LONG_AGO, topics=["trade"])
    await add_brief(
        session, datetime(2026, 2, 12, 9, tzinfo=UTC), [StorySpec("Tariffs", ["trade"])]
    )

    report = await plan_instant(session, datetime(2026, 2, 12, 10, tzinfo=UTC))

    assert report.digests == 0 and await digests_of(session, 25) == []


async def test_a_subscribers_own_quiet_hours_replace_the_default_and_off_means_never_quiet(
    session: AsyncSession,
) -> None:
    for chat in (24, 25, 26):
        await add_subscriber(
            session, chat, created_at=LONG_AGO, topics=["ukraine"], timezone="Europe/Kyiv",
            mode=DeliveryMode.INSTANT,
        )  # fmt: skip
    await set_quiet_hours(session, 24, (time(0, 30), time(9, 0)))  # a late sleeper
    await set_quiet_hours(session, 25, (time(0), time(0)))  # off
    await add_brief(session, kyiv(2026, 2, 12, 22, 40), [StorySpec("Late news", ["ukraine"])])

    evening = await plan_instant(session, kyiv(2026, 2, 12, 23, 0))
    morning = await plan_instant(session, kyiv(2026, 2, 13, 7, 0))
    later = await plan_instant(session, kyiv(2026, 2, 13, 9, 0))

    assert (evening.digests, morning.digests, later.digests) == (2, 1, 0)
    sent = [(await digests_of(session, chat))[0].created_at for chat in (24, 25, 26)]
    assert sent == [kyiv(2026, 2, 12, 23, 0), kyiv(2026, 2, 12, 23, 0), kyiv(2026, 2, 13, 7, 0)]
