"""Digest queries on SQLite and PostgreSQL: matching stories, the latest digest, deliveries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage import digests, subscribers
from storage.states import DigestKind
from storage.stats import collect_stats
from storage.types import utcnow
from tests.bot.seed import insert_brief, insert_seed_brief


async def test_matching_stories_follow_topics_and_keywords_newest_brief_first(
    session: AsyncSession,
) -> None:
    await insert_seed_brief(session)
    newer = await insert_brief(
        session,
        [
            ("Drone strike", "Drones hit a depot.", {}),
            ("Gaza talks", "Talks resume.", {"gaza": ["Gaza"]}),
        ],
        keywords={0: {"drone": ["Drones"]}},
    )
    subscriber, _ = await subscribers.subscribe(session, 3001)
    await subscribers.set_topics(session, 3001, ["gaza"])
    subscriber = await subscribers.follow_keywords(session, 3001, ["drone"])

    found = await digests.matching_stories(
        session, subscriber, since=None, limit=10, unseen_only=True
    )

    assert [s.title for s in found] == ["Drone strike", "Gaza talks", "Renewing war"]
    assert found[0].id == newer[0].id


async def test_delivered_stories_are_left_out_of_unseen_and_lookback_applies(
    session: AsyncSession,
) -> None:
    stories = await insert_seed_brief(session)
    await subscribers.subscribe(session, 3002)
    subscriber = await subscribers.set_topics(session, 3002, ["trade"])
    await digests.create_digest(
        session, subscriber.id, DigestKind.ON_DEMAND, [stories[2].id, stories[2].id]
    )

    unseen = await digests.matching_stories(
        session, subscriber, since=None, limit=10, unseen_only=True
    )
    recent = await digests.matching_stories(
        session, subscriber, since=utcnow() + timedelta(hours=1), limit=10, unseen_only=False
    )

    assert [s.title for s in unseen] == ["Odds and Ends"]
    assert recent == []


async def test_the_latest_digest_numbers_its_stories_from_one(session: AsyncSession) -> None:
    stories = await insert_seed_brief(session)
    subscriber, _ = await subscribers.subscribe(session, 3003)
    await digests.create_digest(session, subscriber.id, DigestKind.ON_DEMAND, [stories[0].id])
    latest = await digests.create_digest(
        session, subscriber.id, DigestKind.SEARCH, [stories[3].id, stories[1].id], more_count=2
    )
    await digests.create_digest(session, subscriber.id, DigestKind.INSTANT, [stories[4].id])

    found = await digests.latest_digest(session, subscriber.id)
    assert found is not None and found.id == latest.id
    second = await digests.digest_story(session, found, 2)
    missing = await digests.digest_story(session, found, 3)

    assert second is not None and second.title == "Renewing war"
    assert missing is None
    assert [s.title for s in await digests.digest_stories(session, found)] == [
        "Upset over new president",
        "Renewing war",
    ]
    assert await digests.get_digest(session, subscriber.id + 1000, latest.id) is None


async def test_story_matches_return_the_terms_of_each_tag(session: AsyncSession) -> None:
    stories = await insert_seed_brief(session)

    topics, keywords = await digests.story_matches(session, stories[1].id)

    assert [(t.topic_slug, t.terms) for t in topics] == [
        ("gaza", ["Gaza", "Hamas", "hostage"]),
        ("middle-east", ["Israel", "Netanyahu", "Egypt"]),
    ]
    assert keywords == []


async def test_stats_count_subscribers_feeds_and_stories(session: AsyncSession) -> None:
    await insert_seed_brief(session)
    await subscribers.subscribe(session, 3004)
    await subscribers.set_topics(session, 3004, ["ukraine"])
    await subscribers.subscribe(session, 3005)
    await subscribers.mark_blocked(session, 3005)

    stats = await collect_stats(session)

    assert stats.stories >= 5
    assert stats.followers.get("ukraine", 0) >= 1
    assert stats.subscribers[next(s for s in stats.subscribers if s.value == "blocked")] >= 1
    assert stats.last_story_at is not None and stats.last_story_at.tzinfo is not None


async def test_matching_stories_can_be_limited_to_a_window_of_ingestion(
    session: AsyncSession,
) -> None:
    stories = await insert_seed_brief(session)
    stories[4].ingested_at = utcnow() - timedelta(days=1)
    await session.flush()
    subscriber, _ = await subscribers.subscribe(session, 3006)
    subscriber = await subscribers.set_topics(session, 3006, ["trade"])
    start = utcnow() - timedelta(days=2)

    earlier = await digests.matching_stories(
        session,
        subscriber,
        since=start,
        until=utcnow() - timedelta(hours=1),
        limit=10,
        unseen_only=False,
    )

    assert [s.title for s in earlier] == ["Odds and Ends"]


async def test_an_on_demand_digest_brings_unseen_stories_first_then_the_latest_ones_again(
    session: AsyncSession,
) -> None:
    await insert_brief(
        session,
        [
            ("Gaza talks", "Talks resume.", {"gaza": ["Gaza"]}),
            ("Gaza aid", "Trucks cross.", {"gaza": ["Gaza"]}),
            ("Tariffs", "Duties rise.", {"trade": ["tariffs"]}),
        ],
    )
    await subscribers.subscribe(session, 3010)
    subscriber = await subscribers.set_topics(session, 3010, ["gaza"])
    since = utcnow() - timedelta(hours=1)

    first = await digests.create_on_demand_digest(session, subscriber, since=since, limit=1)
    second = await digests.create_on_demand_digest(session, subscriber, since=since, limit=1)
    again = await digests.create_on_demand_digest(session, subscriber, since=since, limit=5)
    only_new = await digests.create_on_demand_digest(
        session, subscriber, since=since, limit=5, else_latest=False
    )

    assert first is not None and second is not None and again is not None
    assert ([s.title for s in first.stories], first.unseen) == (["Gaza talks"], True)
    assert first.digest.more_count == 1
    assert ([s.title for s in second.stories], second.unseen) == (["Gaza aid"], True)
    assert ([s.title for s in again.stories], again.unseen) == (["Gaza talks", "Gaza aid"], False)
    assert only_new is None


async def test_an_on_demand_digest_is_not_made_when_nothing_matches(
    session: AsyncSession,
) -> None:
    await subscribers.subscribe(session, 3011)
    subscriber = await subscribers.set_topics(session, 3011, ["gaza"])

    made = await digests.create_on_demand_digest(
        session, subscriber, since=utcnow() - timedelta(hours=1), limit=5
    )

    assert made is None
    assert await digests.latest_digest(session, subscriber.id) is None
