"""Events in storage: each new story joins its event in the transaction that stores it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.events.assign import EventIndex, assign
from jobs.events.grouper import Grouper
from jobs.ingest.dedupe import content_key
from storage import events as event_store
from storage.digests import create_digest
from storage.models import Feed, Story, StoryTopic
from storage.mutes import mute_topic
from storage.states import DigestKind
from storage.stories import NewBrief, NewStory, store_briefs
from tests.factories import add_subscriber

NOW = datetime(2024, 8, 8, 18, 0, tzinfo=UTC)

SCHOOL = (
    "Israeli strike on Gaza school kills at least 16",
    "An Israeli air strike hit the Mustafa Hafez school in Gaza City on Thursday, killing at "
    "least 16 people sheltering there, the Hamas-run civil defence agency said.",
)
SCHOOL_AGAIN = (
    "At Least 16 Killed in Israeli Strikes Near Gaza School Buildings",
    "Israeli strikes near the Mustafa Hafez school compound in Gaza City killed at least 16 "
    "people, Palestinian officials said; Israel said Hamas fighters were operating there.",
)
KURSK = (
    "Ukraine advances into Russia's Kursk region",
    "Ukrainian troops pushed deeper into the Kursk region on Thursday, the governor said, "
    "as Moscow declared a state of emergency in the border area near Sudzha.",
)


async def feed(session: AsyncSession, url: str, title: str) -> int:
    row = Feed(url=url, title=title)
    session.add(row)
    await session.flush()
    return row.id


async def store(
    session: AsyncSession, feed_id: int, key: str, story: tuple[str, str], at: datetime
) -> int:
    title, text = story
    new = NewStory(title, text, f"https://example.org/{key}", 1, at, content_key(title, text), None)
    [result] = await store_briefs(
        session, [NewBrief(key, title, None, None, at, [new])], feed_id=feed_id, now=at
    )
    await assign(session, result.story_ids, at, EVENT_INDEX)
    return result.story_ids[0]


EVENT_INDEX = EventIndex(Grouper())


@pytest.fixture(autouse=True)
def fresh_index() -> None:
    EVENT_INDEX.grouper, EVENT_INDEX.known = Grouper(), set()
    EVENT_INDEX.last_story_id = EVENT_INDEX.members = 0


async def test_two_outlets_stories_of_one_strike_share_an_event_with_both_sources(session):
    bbc = await feed(session, "https://bbc.example/world.xml", "BBC")
    nyt = await feed(session, "https://nyt.example/world.xml", "NYT")
    first = await store(session, bbc, "b1", SCHOOL, NOW)
    second = await store(session, nyt, "n1", SCHOOL_AGAIN, NOW + timedelta(hours=2))
    other = await store(session, nyt, "n2", KURSK, NOW + timedelta(hours=3))

    found = await event_store.versions(session, [second, other])

    assert [(v.story_id, v.source) for v in found[second]] == [(first, "BBC"), (second, "NYT")]
    assert [v.story_id for v in found[other]] == [other]
    why = await event_store.membership(session, second)
    assert why is not None and why.matched_story_id == first
    assert {"mustafa", "hafez"} <= set(why.shared)


async def test_the_events_of_the_last_hours_list_every_story_once(session):
    bbc = await feed(session, "https://bbc.example/world.xml", "")
    await store(session, bbc, "b1", SCHOOL, NOW)
    await store(session, bbc, "b2", SCHOOL_AGAIN, NOW + timedelta(hours=1))
    await store(session, bbc, "b3", KURSK, NOW + timedelta(hours=1))

    events = await event_store.events_since(session, NOW - timedelta(hours=1))

    assert sorted(len(e) for e in events) == [1, 2]
    assert {v.source for e in events for v in e} == {"bbc.example"}


async def test_a_deleted_story_leaves_its_event_and_the_other_stories_in_place(session):
    bbc = await feed(session, "https://bbc.example/rss", "BBC")
    first = await store(session, bbc, "b1", SCHOOL, NOW)
    second = await store(session, bbc, "b2", SCHOOL_AGAIN, NOW + timedelta(hours=1))

    await session.execute(delete(Story).where(Story.id == first))

    assert [v.story_id for v in (await event_store.versions(session, [second]))[second]] == [second]
    assert (await event_store.membership(session, second)).matched_story_id is None


async def test_an_index_that_storage_no_longer_matches_is_rebuilt(session):
    bbc = await feed(session, "https://bbc.example/rss", "BBC")
    EVENT_INDEX.members, EVENT_INDEX.last_story_id = 10_000, 10_000  # as before a reset
    first = await store(session, bbc, "b1", SCHOOL, NOW)
    second = await store(session, bbc, "b2", SCHOOL_AGAIN, NOW + timedelta(hours=1))
    assert [v.story_id for v in (await event_store.versions(session, [second]))[second]] == [
        first,
        second,
    ]


async def test_muting_a_topic_of_one_story_of_an_event_mutes_the_events_other_stories(session):
    bbc = await feed(session, "https://bbc.example/rss", "BBC")
    tagged = await store(session, bbc, "b1", SCHOOL, NOW)
    sibling = await store(session, bbc, "b2", SCHOOL_AGAIN, NOW + timedelta(hours=1))
    alone = await store(session, bbc, "b3", KURSK, NOW + timedelta(hours=1))
    session.add(StoryTopic(story_id=tagged, topic_slug="middle-east", terms=["Israel"]))
    reader = await add_subscriber(session, 777, created_at=NOW, topics=["gaza"])
    await mute_topic(session, reader.id, "middle-east")
    digest = await create_digest(session, reader.id, DigestKind.ON_DEMAND, [sibling, alone])

    assert await event_store.muted_by_event(session, [digest.id]) == {digest.id: {sibling}}
