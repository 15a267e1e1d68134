"""Scheduled digests: each subscriber's digest at their local time, once, with what is new."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.plan import PlanReport, plan_due_digests
from storage.digests import create_on_demand_digest, latest_digest
from storage.models import StoryList, Topic
from storage.mutes import mute_keyword, mute_topic
from storage.states import DeliveryMode, DigestKind, OutboxStatus
from storage.subscribers import forget, pause
from tests.factories import (
    StorySpec,
    add_brief,
    add_subscriber,
    digests_of,
    outbox_of,
    sent_story_titles,
)

LOOKBACK = timedelta(hours=48)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")
NEW_YORK = ZoneInfo("America/New_York")


async def plan(session: AsyncSession, now: datetime, **kwargs: object) -> PlanReport:
    options: dict[str, object] = {"lookback": LOOKBACK, "max_stories": 10}
    options.update(kwargs)
    return await plan_due_digests(session, now, **options)  # type: ignore[arg-type]


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


async def test_a_kyiv_subscriber_gets_the_gaza_story_at_0730_kyiv_time_and_not_before(
    session: AsyncSession,
) -> None:
    await add_subscriber(
        session, 1001, created_at=LONG_AGO, topics=["gaza"], timezone="Europe/Kyiv"
    )
    await add_brief(
        session,
        local(KYIV, 2026, 2, 12, 5, 0),
        [StorySpec("Ceasefire talks in Gaza", ["gaza"]), StorySpec("Tariffs rise", ["trade"])],
    )

    early = await plan(session, local(KYIV, 2026, 2, 12, 7, 29))
    on_time = await plan(session, local(KYIV, 2026, 2, 12, 7, 30))

    assert early.digests == 0
    assert on_time.digests == 1
    assert await sent_story_titles(session, 1001) == [["Ceasefire talks in Gaza"]]
    [digest] = await digests_of(session, 1001)
    assert digest.kind is DigestKind.SCHEDULED
    assert digest.local_date == date(2026, 2, 12)
    [message] = await outbox_of(session, 1001)
    assert message.status is OutboxStatus.PENDING
    assert message.text is None and message.digest_id == digest.id


async def test_new_york_and_kyiv_subscribers_are_due_at_their_own_0730(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 1, created_at=LONG_AGO, topics=["trade"], timezone="Europe/Kyiv")
    await add_subscriber(
        session, 2, created_at=LONG_AGO, topics=["trade"], timezone="America/New_York"
    )
    await add_brief(session, local(KYIV, 2026, 2, 12, 1, 0), [StorySpec("Tariffs", ["trade"])])

    kyiv_morning = await plan(session, local(KYIV, 2026, 2, 12, 7, 30))
    new_york_morning = await plan(session, local(NEW_YORK, 2026, 2, 12, 7, 30))

    assert (kyiv_morning.digests, new_york_morning.digests) == (1, 1)
    assert [d.local_date for d in await digests_of(session, 1)] == [date(2026, 2, 12)]
    assert [d.local_date for d in await digests_of(session, 2)] == [date(2026, 2, 12)]


@pytest.mark.parametrize(
    ("zone", "day", "digest_at", "first_due_local"),
    [
        # Kyiv springs forward 03:00 -> 04:00: a 03:30 digest goes at 04:00.
        ("Europe/Kyiv", date(2026, 3, 29), time(3, 30), (4, 0, 0)),
        # Kyiv falls back 04:00 -> 03:00: the repeated 03:30 sends once, the first time.
        ("Europe/Kyiv", date(2026, 10, 25), time(3, 30), (3, 30, 0)),
        # New York springs forward 02:00 -> 03:00.
        ("America/New_York", date(2026, 3, 8), time(2, 30), (3, 0, 0)),
        # New York falls back 02:00 -> 01:00.
        ("America/New_York", date(2026, 11, 1), time(1, 30), (1, 30, 0)),
    ],
    ids=["kyiv-spring", "kyiv-fall", "new-york-spring", "new-york-fall"],
)
async def test_a_daylight_saving_day_sends_exactly_one_digest(
    session: AsyncSession,
    zone: str,
    day: date,
    digest_at: time,
    first_due_local: tuple[int, int, int],
) -> None:
    tz = ZoneInfo(zone)
    await add_subscriber(
        session, 7, created_at=LONG_AGO, topics=["ukraine"], timezone=zone, at=digest_at
    )
    start = datetime.combine(day, time(0), tz).astimezone(UTC) - timedelta(hours=1)
    await add_brief(session, start, [StorySpec("Kyiv talks", ["ukraine"])])
    # A sweep every ten minutes through the night and morning, then hourly to the next day.
    sweeps = [start + timedelta(minutes=10 * i) for i in range(6 * 8)]
    sweeps += [start + timedelta(hours=h) for h in range(8, 27)]
    planned_at = [now for now in sweeps if (await plan(session, now)).digests]

    assert len(planned_at) == 1
    assert planned_at[0] == datetime.combine(day, time(*first_due_local), tz).astimezone(UTC)
    [message] = await outbox_of(session, 7)
    sent = [d for d in await digests_of(session, 7) if d.id == message.digest_id]
    assert [d.local_date for d in sent] == [day]


async def test_a_bot_that_was_down_at_0730_sends_the_digest_when_it_returns_within_grace(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 5, created_at=LONG_AGO, topics=["gaza"])
    await add_brief(session, datetime(2026, 2, 12, 6, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])])

    report = await plan(session, datetime(2026, 2, 12, 18, 0, tzinfo=UTC))

    assert report.digests == 1
    assert await sent_story_titles(session, 5) == [["Gaza"]]


async def test_a_digest_missed_by_more_than_the_grace_window_is_skipped_and_its_stories_wait(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 5, created_at=LONG_AGO, topics=["gaza"])
    await add_brief(session, datetime(2026, 2, 12, 6, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])])

    late = await plan(session, datetime(2026, 2, 12, 19, 31, tzinfo=UTC))
    later = await plan(session, datetime(2026, 2, 12, 23, 0, tzinfo=UTC))
    next_morning = await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC))

    assert (late.digests, late.skipped) == (0, 1)
    assert (later.digests, later.skipped) == (0, 0)
    assert next_morning.digests == 1
    assert await sent_story_titles(session, 5) == [["Gaza"]]
    assert [d.local_date for d in await digests_of(session, 5)] == [
        date(2026, 2, 12),
        date(2026, 2, 13),
    ]


async def test_a_late_evening_digest_missed_before_midnight_is_caught_up_after_it(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 6, created_at=LONG_AGO, topics=["gaza"], at=time(23, 0))
    await add_brief(session, datetime(2026, 2, 12, 6, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])])

    report = await plan(session, datetime(2026, 2, 13, 1, 0, tzinfo=UTC))

    assert report.digests == 1
    assert [d.local_date for d in await digests_of(session, 6)] == [date(2026, 2, 12)]


async def test_no_story_is_sent_twice_and_the_next_day_brings_only_new_ones(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 8, created_at=LONG_AGO, topics=["trade"])
    await add_brief(session, datetime(2026, 2, 12, 5, tzinfo=UTC), [StorySpec("Old", ["trade"])])

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))
    again = await plan(session, datetime(2026, 2, 12, 7, 31, tzinfo=UTC))
    await add_brief(session, datetime(2026, 2, 13, 5, tzinfo=UTC), [StorySpec("New", ["trade"])])
    await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC))

    assert again.digests == 0
    assert await sent_story_titles(session, 8) == [["Old"], ["New"]]


async def test_a_long_digest_is_capped_newest_brief_first_and_counts_the_rest(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 9, created_at=LONG_AGO, topics=["trade"])
    older = [StorySpec(f"older {i}", ["trade"]) for i in range(1, 5)]
    newer = [StorySpec(f"newer {i}", ["trade"]) for i in range(1, 4)]
    await add_brief(session, datetime(2026, 2, 11, 9, tzinfo=UTC), older)
    await add_brief(session, datetime(2026, 2, 12, 5, tzinfo=UTC), newer)

    report = await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC), max_stories=5)
    tomorrow = await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC), max_stories=5)

    assert (report.digests, report.stories) == (1, 5)
    titles = await sent_story_titles(session, 9)
    assert titles[0] == ["newer 1", "newer 2", "newer 3", "older 1", "older 2"]
    assert (await digests_of(session, 9))[0].more_count == 2
    assert tomorrow.stories == 2 and titles[1] == ["older 3", "older 4"]


async def test_own_keywords_bring_stories_outside_the_followed_topics(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 10, created_at=LONG_AGO, topics=["gaza"], keywords=["Greenland"])
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [
            StorySpec("Trump eyes Greenland", ["trade"], keywords=["greenland"]),
            StorySpec("Tariffs", ["trade"]),
            StorySpec("Gaza truce", ["gaza"], keywords=["greenland"]),
        ],
    )

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert await sent_story_titles(session, 10) == [["Trump eyes Greenland", "Gaza truce"]]


async def test_nothing_new_sends_nothing_unless_asked_to_say_so(session: AsyncSession) -> None:
    await add_subscriber(session, 11, created_at=LONG_AGO, topics=["gaza"])
    await add_subscriber(session, 12, created_at=LONG_AGO, topics=["ukraine"], at=time(8, 0))
    await add_brief(session, datetime(2026, 2, 12, 5, tzinfo=UTC), [StorySpec("Trade", ["trade"])])

    quiet = await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))
    await add_brief(
        session, datetime(2026, 2, 12, 7, 45, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])]
    )
    later = await plan(session, datetime(2026, 2, 12, 7, 50, tzinfo=UTC))
    outbox_after_the_late_story = await outbox_of(session, 11)
    told = await plan(session, datetime(2026, 2, 13, 8, 0, tzinfo=UTC), notify_empty=True)

    assert (quiet.digests, quiet.empty) == (0, 1)
    assert later.digests == 0, "a story after an empty digest time waits for tomorrow"
    assert outbox_after_the_late_story == []
    assert told.digests == 2
    assert await sent_story_titles(session, 12) == [[]]
    assert await sent_story_titles(session, 11) == [["Gaza"]]


async def test_stories_older_than_the_lookback_are_not_sent(session: AsyncSession) -> None:
    await add_subscriber(session, 13, created_at=LONG_AGO, topics=["gaza"])
    await add_brief(session, datetime(2026, 2, 9, 5, tzinfo=UTC), [StorySpec("Stale", ["gaza"])])
    await add_brief(session, datetime(2026, 2, 11, 9, tzinfo=UTC), [StorySpec("Fresh", ["gaza"])])

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert await sent_story_titles(session, 13) == [["Fresh"]]


async def test_paused_subscribers_get_digests_only_once_their_pause_has_run_out(
    session: AsyncSession,
) -> None:
    for chat_id in (14, 15, 16):
        await add_subscriber(session, chat_id, created_at=LONG_AGO, topics=["gaza"])
    await pause(session, 14, datetime(2026, 2, 12, 6, tzinfo=UTC))
    await pause(session, 15, None)
    await pause(session, 16, datetime(2026, 2, 20, tzinfo=UTC))
    await add_brief(session, datetime(2026, 2, 12, 5, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])])

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert await sent_story_titles(session, 14) == [["Gaza"]]
    assert await outbox_of(session, 15) == []
    assert await outbox_of(session, 16) == []


async def test_instant_only_subscribers_get_no_scheduled_digest(session: AsyncSession) -> None:
    await add_subscriber(
        session, 17, created_at=LONG_AGO, topics=["gaza"], mode=DeliveryMode.INSTANT
    )
    await add_brief(session, datetime(2026, 2, 12, 5, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])])

    report = await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert report.digests == 0 and await digests_of(session, 17) == []


async def test_a_keyword_follower_gets_a_capped_digest_and_the_rest_the_next_day(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 18, created_at=LONG_AGO, topics=["trade"], keywords=["arctic"])
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [
            StorySpec("t1", ["trade"]),
            StorySpec("k1", ["climate"], keywords=["arctic"]),
            StorySpec("t2", ["trade"], keywords=["arctic"]),
            StorySpec("other", ["health"]),
            StorySpec("t3", ["trade"]),
            StorySpec("k2", [], keywords=["arctic"]),
            StorySpec("t4", ["trade"]),
        ],
    )

    first = await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC), max_stories=4)
    second = await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC), max_stories=4)

    assert (first.stories, second.stories) == (4, 2)
    assert await sent_story_titles(session, 18) == [["t1", "k1", "t2", "t3"], ["k2", "t4"]]
    assert [d.more_count for d in await digests_of(session, 18)] == [2, 0]


async def test_a_topic_listed_past_the_sixty_second_still_reaches_its_followers(
    session: AsyncSession,
) -> None:
    session.add(Topic(slug="far-away", name="Far away", position=100))
    await session.flush()
    await add_subscriber(session, 19, created_at=LONG_AGO, topics=["far-away", "gaza"])
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [StorySpec("Far", ["far-away"]), StorySpec("Near", ["gaza"]), StorySpec("No", ["trade"])],
    )

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert await sent_story_titles(session, 19) == [["Far", "Near"]]


async def test_subscribers_sharing_topics_each_skip_only_what_they_were_sent(
    session: AsyncSession,
) -> None:
    await add_subscriber(session, 20, created_at=LONG_AGO, topics=["gaza", "trade"])
    await add_subscriber(session, 21, created_at=LONG_AGO, topics=["gaza", "trade"], at=time(9))
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [StorySpec(f"g{i}", ["gaza"]) for i in (1, 2, 3)],
    )

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC), max_stories=2)
    await add_brief(session, datetime(2026, 2, 12, 8, tzinfo=UTC), [StorySpec("t1", ["trade"])])
    await plan(session, datetime(2026, 2, 12, 9, 0, tzinfo=UTC), max_stories=2)
    await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC), max_stories=2)

    assert await sent_story_titles(session, 20) == [["g1", "g2"], ["t1", "g3"]]
    assert await sent_story_titles(session, 21) == [["t1", "g1"]]
    assert [d.more_count for d in await digests_of(session, 20)] == [1, 0]
    assert [d.more_count for d in await digests_of(session, 21)] == [2]


async def test_after_a_day_with_nothing_new_story_n_still_reads_the_last_real_digest(
    session: AsyncSession,
) -> None:
    subscriber = await add_subscriber(session, 22, created_at=LONG_AGO, topics=["gaza"])
    await add_brief(session, datetime(2026, 2, 12, 5, tzinfo=UTC), [StorySpec("Gaza", ["gaza"])])

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))
    quiet_day = await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC))
    skipped_day = await plan(session, datetime(2026, 2, 14, 20, 0, tzinfo=UTC))

    assert (quiet_day.empty, skipped_day.skipped) == (1, 1)
    kinds = [d.kind for d in await digests_of(session, 22)]
    assert kinds == [DigestKind.SCHEDULED, DigestKind.SKIPPED, DigestKind.SKIPPED]
    latest = await latest_digest(session, subscriber.id)
    assert latest is not None and latest.local_date == date(2026, 2, 12)


async def test_muted_topics_and_keywords_stay_out_of_the_scheduled_digest(
    session: AsyncSession,
) -> None:
    muter = await add_subscriber(
        session, 30, created_at=LONG_AGO, topics=["gaza", "middle-east", "trade"]
    )
    await add_subscriber(session, 31, created_at=LONG_AGO, topics=["gaza", "middle-east", "trade"])
    await mute_topic(session, muter.id, "gaza")
    await mute_keyword(session, muter.id, "tariffs")
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [
            StorySpec("Gaza truce", ["gaza", "middle-east"]),
            StorySpec("Iran talks", ["middle-east"]),
            StorySpec("Tariffs", ["trade"], keywords=["tariffs"]),
            StorySpec("Steel deal", ["trade"]),
        ],
    )

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert await sent_story_titles(session, 30) == [["Iran talks", "Steel deal"]]
    assert await sent_story_titles(session, 31) == [
        ["Gaza truce", "Iran talks", "Tariffs", "Steel deal"]
    ]


async def test_subscribers_with_the_same_topics_and_history_share_one_story_list(
    session: AsyncSession,
) -> None:
    for chat in (31, 32, 33):
        await add_subscriber(session, chat, created_at=LONG_AGO, topics=["trade", "gaza"])
    await add_subscriber(session, 34, created_at=LONG_AGO, topics=["trade"])
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [StorySpec("Tariffs", ["trade"]), StorySpec("Ceasefire", ["gaza"])],
    )
    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))
    await add_brief(session, datetime(2026, 2, 13, 5, tzinfo=UTC), [StorySpec("Quotas", ["trade"])])

    await plan(session, datetime(2026, 2, 13, 7, 30, tzinfo=UTC))

    lists = {
        chat: [d.list_id for d in await digests_of(session, chat)] for chat in (31, 32, 33, 34)
    }
    assert lists[31] == lists[32] == lists[33]
    assert lists[34][0] != lists[31][0]
    # The next day both groups get Quotas alone: the same stories, one list.
    assert lists[34][1] == lists[31][1]
    assert await session.scalar(select(func.count()).select_from(StoryList)) == 3
    for chat in (31, 32, 33):
        assert await sent_story_titles(session, chat) == [["Tariffs", "Ceasefire"], ["Quotas"]]
    assert await sent_story_titles(session, 34) == [["Tariffs"], ["Quotas"]]


async def test_a_story_read_on_demand_is_left_out_only_for_the_reader(
    session: AsyncSession,
) -> None:
    reader = await add_subscriber(session, 41, created_at=LONG_AGO, topics=["trade"])
    await add_subscriber(session, 42, created_at=LONG_AGO, topics=["trade"])
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [StorySpec("Tariffs", ["trade"]), StorySpec("Quotas", ["trade"])],
    )
    read = await create_on_demand_digest(session, reader, since=LONG_AGO, limit=1)

    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))

    assert read is not None and read.unseen and [s.title for s in read.stories] == ["Tariffs"]
    assert await sent_story_titles(session, 41) == [["Quotas"]]
    assert await sent_story_titles(session, 42) == [["Tariffs", "Quotas"]]


async def test_forgetting_a_chat_removes_the_lists_only_it_had_and_keeps_shared_ones(
    session: AsyncSession,
) -> None:
    for chat in (51, 52):
        await add_subscriber(session, chat, created_at=LONG_AGO, topics=["trade"])
    await add_subscriber(session, 53, created_at=LONG_AGO, topics=["gaza"])
    await add_brief(
        session,
        datetime(2026, 2, 12, 5, tzinfo=UTC),
        [StorySpec("Tariffs", ["trade"]), StorySpec("Ceasefire", ["gaza"])],
    )
    await plan(session, datetime(2026, 2, 12, 7, 30, tzinfo=UTC))
    [shared] = [d.list_id for d in await digests_of(session, 51)]
    [own] = [d.list_id for d in await digests_of(session, 53)]

    await forget(session, 51)
    await forget(session, 53)

    remaining = set(await session.scalars(select(StoryList.id)))
    assert remaining == {shared}
    assert await sent_story_titles(session, 52) == [["Tariffs"]]
    assert own not in remaining
