"""Storing briefs and stories once, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.ingest.dedupe import content_key, simhash, to_signed
from storage import stories
from storage.models import Brief, Story, StoryKeyword
from storage.stories import NewStory
from tests.factories import count_stories, latest_stories, store_brief

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
WIRE = (
    "The European Union agreed on Tuesday to extend sanctions against Russia for another "
    "six months, after Hungary dropped its objections in exchange for assurances about "
    "energy supplies. Diplomats said the decision was reached late in the evening after "
    "hours of talks in Brussels, and that the measures would now run until the summer."
)


def story(title: str, text: str, position: int = 1, **extra: object) -> NewStory:
    return NewStory(
        title=title,
        text=text,
        url=f"https://example.org/{position}",
        position=position,
        published_at=NOW - timedelta(hours=1),
        content_key=content_key(title, text),
        simhash=simhash(text),
        **extra,  # type: ignore[arg-type]
    )


def unique(text: str) -> str:
    """Text no other test stored. (Near-duplicate tests use fixed texts instead: a random
    suffix would move their fingerprints at random.)"""
    return f"{text} Reference {uuid.uuid4().hex}."


async def store(session: AsyncSession, key: str, items: list[NewStory], **extra: object):  # type: ignore[no-untyped-def]
    return await store_brief(
        session,
        feed_id=None,
        key=key,
        title="Brief",
        url="https://example.org/brief",
        summary=None,
        published_at=NOW,
        stories=items,
        now=NOW,
        **extra,  # type: ignore[arg-type]
    )


async def test_a_brief_and_its_stories_are_stored_with_tags(session: AsyncSession) -> None:
    text = unique(WIRE)
    tagged = story("Sanctions extended", text, topics={"europe": ["European Union", "Brussels"]})

    result = await store(session, uuid.uuid4().hex, [tagged])

    assert (result.new, result.duplicates, result.near_duplicates) == (1, 0, 0)
    stored = await session.get(Story, result.story_ids[0])
    assert stored is not None
    assert (stored.title, stored.text, stored.position) == ("Sanctions extended", text, 1)
    assert [(t.topic_slug, t.terms) for t in stored.tags] == [
        ("europe", ["European Union", "Brussels"])
    ]


async def test_storing_the_same_brief_twice_adds_nothing(session: AsyncSession) -> None:
    key = uuid.uuid4().hex
    items = [story("One", unique(WIRE), 1), story("Two", unique("Elsewhere, rain."), 2)]
    before = await count_stories(session)

    first = await store(session, key, items)
    second = await store(session, key, items)

    assert (first.new, first.duplicates) == (2, 0)
    assert (second.new, second.duplicates) == (0, 2)
    assert second.brief_id == first.brief_id
    assert await count_stories(session) == before + 2


async def test_the_same_story_from_two_briefs_is_stored_once(session: AsyncSession) -> None:
    text = unique(WIRE)

    first = await store(session, uuid.uuid4().hex, [story("Sanctions extended", text)])
    # Another outlet: different quotes, case and spacing; the same words.
    copy = story("SANCTIONS  extended!", text.replace("Tuesday", "Tuesday ").upper())
    second = await store(session, uuid.uuid4().hex, [copy])

    assert first.new == 1
    assert (second.new, second.duplicates) == (0, 1)


async def test_a_lightly_edited_copy_is_a_near_duplicate(session: AsyncSession) -> None:
    text = WIRE
    edited = text.replace("late in the evening", "late on Tuesday evening")

    await store(session, uuid.uuid4().hex, [story("Sanctions extended", text)])
    result = await store(session, uuid.uuid4().hex, [story("EU extends sanctions", edited)])

    assert (result.new, result.duplicates, result.near_duplicates) == (0, 0, 1)


async def test_a_near_duplicate_is_at_most_eight_bits_away_from_a_recent_story(
    session: AsyncSession,
) -> None:
    base = to_signed(uuid.uuid4().int)
    eight, nine = base ^ 0xFF, base ^ 0x1FF  # the lowest eight and nine bits flipped

    def fingerprinted(title: str, fingerprint: int) -> NewStory:
        return dataclasses.replace(story(title, unique(WIRE)), simhash=fingerprint)

    await store(session, uuid.uuid4().hex, [fingerprinted("Original", base)])
    near = await store(session, uuid.uuid4().hex, [fingerprinted("Eight bits off", eight)])
    far = await store(session, uuid.uuid4().hex, [fingerprinted("Nine bits off", nine)])

    assert stories.NEAR_DUPLICATE_BITS == 8
    assert stories.hamming(base, eight) == 8 and stories.hamming(base, nine) == 9
    assert (near.new, near.near_duplicates) == (0, 1)
    assert (far.new, far.near_duplicates) == (1, 0)


async def test_an_old_lookalike_is_not_a_near_duplicate(session: AsyncSession) -> None:
    text = WIRE
    edited = text.replace("late in the evening", "late on Tuesday evening")
    await store(session, uuid.uuid4().hex, [story("Sanctions extended", text)])

    result = await store_brief(
        session,
        feed_id=None,
        key=uuid.uuid4().hex,
        title="A week later",
        url=None,
        summary=None,
        published_at=None,
        stories=[story("EU extends sanctions", edited)],
        now=NOW + timedelta(days=7),
    )

    assert result.new == 1


async def test_a_different_story_is_not_a_near_duplicate(session: AsyncSession) -> None:
    other = (
        "India's prime minister arrives in Washington on Wednesday hoping to avoid a trade war "
        "with the United States, bringing offers to buy more American energy and defence "
        "equipment and to lower tariffs on motorcycles and bourbon whiskey."
    )
    await store(session, uuid.uuid4().hex, [story("Sanctions extended", WIRE)])

    result = await store(session, uuid.uuid4().hex, [story("Modi in Washington", other)])

    assert (result.new, result.near_duplicates) == (1, 0)


async def test_a_brief_whose_stories_were_all_known_is_still_remembered(
    session: AsyncSession,
) -> None:
    text = unique(WIRE)
    await store(session, uuid.uuid4().hex, [story("Sanctions extended", text)])
    key = uuid.uuid4().hex

    result = await store(session, key, [story("Sanctions extended", text)])

    assert result.new == 0 and result.brief_id is not None
    assert await stories.known_brief_keys(session, [key, "unknown"]) == {key}


async def test_stories_keep_the_order_of_their_brief(session: AsyncSession) -> None:
    items = [story(f"Story {p}", unique(f"Text of story {p}."), p) for p in (3, 1, 2)]

    result = await store(session, uuid.uuid4().hex, items)

    brief = await session.get(Brief, result.brief_id)
    assert brief is not None
    recent = await stories.recent_stories(session, NOW)
    mine = sorted((s.position, s.title) for s in recent if s.brief_id == brief.id)
    assert mine == [(1, "Story 1"), (2, "Story 2"), (3, "Story 3")]


async def test_an_updated_item_adds_its_new_story_after_the_old_ones(
    session: AsyncSession,
) -> None:
    key = uuid.uuid4().hex
    first = story("Sanctions extended", unique(WIRE))
    await store(session, key, [first])
    update = story("Update", unique("Hungary now says it will veto the next package."))

    result = await store(session, key, [first, update])

    assert (result.new, result.duplicates) == (1, 1)
    added = await session.get(Story, result.story_ids[0])
    assert added is not None and added.position == 2


async def test_keywords_found_in_a_story_are_stored_with_it(session: AsyncSession) -> None:
    result = await store(
        session,
        uuid.uuid4().hex,
        [story("Sanctions", unique(WIRE), keywords={"hungary": ["Hungary"]})],
    )
    story_id = result.story_ids[0]

    await stories.store_story_keywords(
        session, [(story_id, "hungary", ["Hungary"]), (story_id, "brussels", ["Brussels"])]
    )

    rows = await session.execute(
        select(StoryKeyword.keyword, StoryKeyword.terms).where(StoryKeyword.story_id == story_id)
    )
    assert sorted(rows.all()) == [("brussels", ["Brussels"]), ("hungary", ["Hungary"])]


async def test_stories_are_stored_at_the_time_given(session: AsyncSession) -> None:
    for hours in (3, 1, 2):
        await store_brief(
            session,
            feed_id=None,
            key=uuid.uuid4().hex,
            title="Brief",
            url=None,
            summary=None,
            published_at=None,
            stories=[story(f"{hours} hours", unique(f"Story of {hours} hours."))],
            now=NOW + timedelta(days=30, hours=hours),
        )

    latest = await latest_stories(session, 3)

    assert [s.title for s in latest] == ["3 hours", "2 hours", "1 hours"]
    assert await count_stories(session, since=NOW + timedelta(days=30)) == 3
    assert await session.get(Story, -1) is None


async def test_many_briefs_stored_at_once_are_checked_against_each_other(
    session: AsyncSession,
) -> None:
    text = WIRE
    edited = text.replace("late in the evening", "late on Tuesday evening")
    briefs = [
        stories.NewBrief(uuid.uuid4().hex, "A", None, None, NOW, [story("Sanctions", text)]),
        stories.NewBrief(uuid.uuid4().hex, "B", None, None, NOW, [story("Sanctions", text)]),
        stories.NewBrief(uuid.uuid4().hex, "C", None, None, NOW, [story("EU", edited)]),
    ]

    results = await stories.store_briefs(session, briefs, feed_id=None, now=NOW)

    assert [(r.new, r.duplicates, r.near_duplicates) for r in results] == [
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
    ]
    assert len({r.brief_id for r in results}) == 3
