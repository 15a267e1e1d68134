"""Subscribers and their preferences, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfoNotFoundError

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import subscribers
from storage.errors import UnknownTopicError
from storage.models import Subscriber, SubscriberTopic
from storage.states import DeliveryMode, SubscriberState


async def test_a_new_chat_is_subscribed_with_defaults(session: AsyncSession) -> None:
    subscriber, created = await subscribers.subscribe(session, 1001, user_id=7, language="uk")

    assert created
    assert subscriber.chat_id == 1001
    assert subscriber.state is SubscriberState.ACTIVE
    assert subscriber.mode is DeliveryMode.DIGEST
    assert subscriber.digest_time == time(7, 30)
    assert subscriber.timezone == "UTC"
    assert subscriber.language == "uk"
    assert subscriber.created_at.tzinfo is not None


async def test_a_chats_language_is_known_once_it_subscribed_even_when_none_is_stored(
    session: AsyncSession,
) -> None:
    await subscribers.subscribe(session, 1011, language="uk")
    await subscribers.subscribe(session, 1012)

    assert await subscribers.language_of(session, 1011) == (True, "uk")
    assert await subscribers.language_of(session, 1012) == (True, None)
    assert await subscribers.language_of(session, 1013) == (False, None)


async def test_subscribing_twice_keeps_one_row_and_the_preferences(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1002)
    await subscribers.set_topics(session, 1002, ["ukraine", "gaza"])
    await subscribers.unsubscribe(session, 1002)

    again, created = await subscribers.subscribe(session, 1002)

    assert not created
    assert again.state is SubscriberState.ACTIVE
    assert again.topic_slugs == ["gaza", "ukraine"]
    rows = await session.scalar(
        select(func.count()).select_from(Subscriber).where(Subscriber.chat_id == 1002)
    )
    assert rows == 1


async def test_stop_keeps_preferences_and_start_resumes(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1003)
    await subscribers.set_topics(session, 1003, ["trade"])

    assert await subscribers.unsubscribe(session, 1003)
    stopped = await subscribers.get_subscriber(session, 1003)
    assert stopped is not None and stopped.state is SubscriberState.STOPPED
    assert stopped.topic_slugs == ["trade"]


async def test_unsubscribing_an_unknown_chat_says_so(session: AsyncSession) -> None:
    assert not await subscribers.unsubscribe(session, 999_999)


async def test_set_topics_replaces_the_followed_topics(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1004)
    await subscribers.set_topics(session, 1004, ["ukraine", "gaza"])

    subscriber = await subscribers.set_topics(session, 1004, ["trade"])

    assert subscriber.topic_slugs == ["trade"]


async def test_an_unknown_topic_is_refused_and_nothing_changes(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1005)
    await subscribers.set_topics(session, 1005, ["gaza"])

    with pytest.raises(UnknownTopicError) as raised:
        await subscribers.set_topics(session, 1005, ["ukrane", "gaza"])

    assert raised.value.slugs == ["ukrane"]
    subscriber = await subscribers.get_subscriber(session, 1005)
    assert subscriber is not None and subscriber.topic_slugs == ["gaza"]


async def test_toggling_a_topic_follows_then_unfollows_it(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1006)

    subscriber, following = await subscribers.toggle_topic(session, 1006, "china")
    assert following and subscriber.topic_slugs == ["china"]

    subscriber, following = await subscribers.toggle_topic(session, 1006, "china")
    assert not following and subscriber.topic_slugs == []


async def test_keywords_are_normalised_and_stored_once(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1007)

    await subscribers.follow_keywords(session, 1007, ["Greenland", "  rare   earths ", "greenland"])
    subscriber = await subscribers.unfollow_keywords(session, 1007, ["GREENLAND"])

    assert subscriber.keyword_list == ["rare earths"]


async def test_time_zone_digest_time_and_mode_are_kept(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1008)

    await subscribers.set_timezone(session, 1008, "Europe/Kyiv")
    await subscribers.set_digest_time(session, 1008, time(6, 45, 30))
    subscriber = await subscribers.set_mode(session, 1008, DeliveryMode.BOTH)

    assert (subscriber.timezone, subscriber.digest_time, subscriber.mode) == (
        "Europe/Kyiv",
        time(6, 45),
        DeliveryMode.BOTH,
    )


async def test_an_unknown_time_zone_is_refused(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1009)

    with pytest.raises(ZoneInfoNotFoundError):
        await subscribers.set_timezone(session, 1009, "Mars/Olympus")


async def test_pause_until_a_date_then_resume(session: AsyncSession) -> None:
    await subscribers.subscribe(session, 1010)
    until = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    paused = await subscribers.pause(session, 1010, until)
    assert paused.state is SubscriberState.PAUSED
    assert paused.paused_until == until

    resumed = await subscribers.resume(session, 1010)
    assert resumed.state is SubscriberState.ACTIVE and resumed.paused_until is None


async def test_a_blocked_subscriber_is_counted_as_blocked(session: AsyncSession) -> None:
    before = await subscribers.count_by_state(session)
    await subscribers.subscribe(session, 1011)
    await subscribers.mark_blocked(session, 1011)

    after = await subscribers.count_by_state(session)

    assert after[SubscriberState.BLOCKED] == before[SubscriberState.BLOCKED] + 1


async def test_forget_deletes_the_subscriber_and_their_topics(session: AsyncSession) -> None:
    subscriber, _ = await subscribers.subscribe(session, 1012)
    await subscribers.set_topics(session, 1012, ["ukraine"])
    await subscribers.follow_keywords(session, 1012, ["nato"])

    assert await subscribers.forget(session, 1012)

    assert await subscribers.get_subscriber(session, 1012) is None
    left = await session.scalar(
        select(func.count())
        .select_from(SubscriberTopic)
        .where(SubscriberTopic.subscriber_id == subscriber.id)
    )
    assert left == 0


async def test_a_migrated_group_keeps_its_subscription_under_the_new_id(
    session: AsyncSession,
) -> None:
    await subscribers.subscribe(session, -1013, chat_type="group")
    await subscribers.set_topics(session, -1013, ["europe"])

    assert await subscribers.migrate_chat(session, -1013, -100_1013)

    moved = await subscribers.get_subscriber(session, -100_1013)
    assert moved is not None and moved.topic_slugs == ["europe"]
    assert moved.chat_type == "supergroup"
    assert await subscribers.get_subscriber(session, -1013) is None


async def test_timestamps_come_back_in_utc(session: AsyncSession) -> None:
    local = datetime(2026, 3, 29, 3, 30, tzinfo=UTC)
    await subscribers.subscribe(session, 1014)
    await subscribers.pause(session, 1014, local.astimezone())

    subscriber = await subscribers.get_subscriber(session, 1014)

    assert subscriber is not None and subscriber.paused_until == local
    assert subscriber.paused_until.utcoffset() == timedelta(0)
