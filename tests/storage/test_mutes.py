"""Mutes and restored preferences on SQLite and PostgreSQL: what a muted subscriber still gets."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import digests, mutes, subscribers
from storage.models import Story, StoryKeyword, Subscriber
from storage.mutes import Mutes
from storage.states import DeliveryMode
from storage.subscribers import Preferences
from tests.bot.seed import insert_brief, insert_seed_brief


async def _titles(session: AsyncSession, subscriber: Subscriber) -> list[str]:
    found = await digests.matching_stories(
        session, subscriber, since=None, limit=20, unseen_only=False
    )
    return [s.title for s in found]


async def _follower(session: AsyncSession, chat: int, *topics: str) -> Subscriber:
    await subscribers.subscribe(session, chat)
    return await subscribers.set_topics(session, chat, topics)


async def test_a_muted_topic_silences_its_stories_even_when_another_topic_matches(
    session: AsyncSession,
) -> None:
    await insert_seed_brief(session)
    subscriber = await _follower(session, 5001, "middle-east", "europe")

    assert await mutes.mute_topic(session, subscriber.id, "gaza")

    assert await _titles(session, subscriber) == [
        "Is Europe on Its Own?",
        "Upset over new president",
    ]
    assert await mutes.list_mutes(session, subscriber.id) == Mutes(["gaza"], [])


async def test_unmuting_brings_the_stories_back_and_unknown_topics_are_refused(
    session: AsyncSession,
) -> None:
    await insert_seed_brief(session)
    subscriber = await _follower(session, 5002, "gaza")
    await mutes.mute_topic(session, subscriber.id, "gaza")
    assert await _titles(session, subscriber) == []

    await mutes.unmute_topics(session, subscriber.id, ["gaza"])

    assert await _titles(session, subscriber) == ["Renewing war"]
    assert not await mutes.mute_topic(session, subscriber.id, "atlantis")


async def test_following_a_muted_topic_again_lifts_its_mute(session: AsyncSession) -> None:
    await insert_seed_brief(session)
    subscriber = await _follower(session, 5003, "europe")
    await mutes.mute_topic(session, subscriber.id, "gaza")
    await mutes.mute_topic(session, subscriber.id, "europe")

    subscriber = await subscribers.set_topics(session, 5003, ["europe", "gaza"])

    assert await mutes.list_mutes(session, subscriber.id) == Mutes(["europe"], [])
    assert await _titles(session, subscriber) == ["Renewing war"]


async def test_a_muted_keyword_leaves_out_stored_stories_that_contain_it(
    session: AsyncSession,
) -> None:
    stories = await insert_seed_brief(session)
    subscriber = await _follower(session, 5004, "trade")
    assert await _titles(session, subscriber) == ["Modi comes to Washington", "Odds and Ends"]

    await mutes.mute_keyword(session, subscriber.id, "ontario")

    assert await _titles(session, subscriber) == ["Modi comes to Washington"]
    hits = await session.scalars(
        select(StoryKeyword.story_id).where(StoryKeyword.keyword == "ontario")
    )
    assert list(hits) == [stories[4].id]


async def test_a_keyword_muted_from_a_story_leaves_that_story_out_whatever_the_index_says(
    session: AsyncSession,
) -> None:
    (story,) = await insert_brief(session, [("Port strike", "Dockers stop work.", {"trade": []})])
    subscriber = await _follower(session, 5005, "trade")

    await mutes.mute_keyword(session, subscriber.id, "logistics", story_id=story.id)

    assert await _titles(session, subscriber) == []


async def test_ingest_tracks_followed_and_muted_keywords_once_each(session: AsyncSession) -> None:
    one = await _follower(session, 5006)
    two = await _follower(session, 5007)
    await subscribers.follow_keywords(session, 5006, ["drones", "rare earth"])
    await subscribers.follow_keywords(session, 5007, ["drones"])
    await mutes.mute_keyword(session, one.id, "crypto")
    await mutes.mute_keyword(session, two.id, "rare earth")

    assert await subscribers.all_tracked_keywords(session) == ["crypto", "drones", "rare earth"]


async def test_restoring_preferences_replaces_each_given_setting_and_keeps_the_rest(
    session: AsyncSession,
) -> None:
    subscriber = await _follower(session, 5008, "ukraine")
    await subscribers.follow_keywords(session, 5008, ["old"])
    await mutes.mute_keyword(session, subscriber.id, "stale")

    restored = await subscribers.restore_preferences(
        session,
        5008,
        Preferences(
            topics=["gaza", "trade"],
            keywords=["drones"],
            timezone="Europe/Kyiv",
            mutes=Mutes(["europe"], ["crypto"]),
        ),
    )

    assert restored.topic_slugs == ["gaza", "trade"]
    assert restored.keyword_list == ["drones"]
    assert restored.timezone == "Europe/Kyiv"
    assert (restored.digest_time, restored.mode) == (time(7, 30), DeliveryMode.DIGEST)
    assert await mutes.list_mutes(session, restored.id) == Mutes(["europe"], ["crypto"])


async def test_forgetting_a_subscriber_deletes_their_mutes(session: AsyncSession) -> None:
    subscriber = await _follower(session, 5009)
    await mutes.mute_topic(session, subscriber.id, "gaza")
    await mutes.mute_keyword(session, subscriber.id, "crypto")

    await subscribers.forget(session, 5009)

    assert await mutes.list_mutes(session, subscriber.id) == Mutes()
    assert "crypto" not in await subscribers.all_tracked_keywords(session)


async def test_the_mute_condition_works_set_based_across_subscribers_for_planning(
    session: AsyncSession,
) -> None:
    stories = await insert_seed_brief(session)
    quiet = await _follower(session, 5010)
    loud = await _follower(session, 5011)
    await mutes.mute_topic(session, quiet.id, "gaza")
    renewing_war = stories[1].id

    rows = await session.execute(
        select(Subscriber.chat_id)
        .select_from(Subscriber)
        .join(Story, Story.id == renewing_war)
        .where(Subscriber.id.in_([quiet.id, loud.id]), ~mutes.muted_story(Subscriber.id))
    )

    assert [chat for (chat,) in rows] == [5011]
