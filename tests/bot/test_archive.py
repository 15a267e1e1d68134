"""The archive: /search with phrases and exclusions, /story N on a result, /today and /yesterday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import Story
from storage.types import utcnow
from tests.bot.conftest import World
from tests.bot.seed import insert_brief, insert_seed_brief


async def _seeded(world: World, *topics: str) -> list[Story]:
    async with world.sessions.begin() as session:
        stories = await insert_seed_brief(session)
    await world.say("/start " + "-".join(topics))
    return stories


async def test_search_numbers_results_like_a_digest_and_honours_minus_words(world: World) -> None:
    await _seeded(world)

    (everything,) = await world.say("/search tariffs")
    (narrowed,) = await world.say("/search tariffs -ontario")

    assert everything.text.startswith("🔎 tariffs · 2 stories, newest first\n\n1. ")
    assert "Modi comes to Washington" in everything.text
    assert "Odds and Ends" in everything.text
    entries = narrowed.text.split("\n\n")
    assert entries[0] == "🔎 tariffs -ontario · 1 story, newest first"
    assert entries[1].startswith("1. 🚢🌏 Modi comes to Washington\nIndian Prime Minister")
    assert entries[1].endswith("/story_1")
    assert len(entries) == 2
    assert [label for label, _ in narrowed.buttons()] == ["📖 1", "🔇 1"]


async def test_a_quoted_phrase_even_with_smart_quotes_matches_only_the_phrase(
    world: World,
) -> None:
    await _seeded(world)

    (phrase,) = await world.say("/search “trade war”")
    (reversed_words,) = await world.say('/search "war trade"')

    assert phrase.text.startswith('🔎 "trade war" · 1 story')
    assert "1. 🚢🌏 Modi comes to Washington" in phrase.text
    assert reversed_words.text == (
        'No stories match “"war trade"”. Try fewer words, or another spelling.'
    )


async def test_story_n_and_why_n_open_a_search_result(world: World) -> None:
    await _seeded(world, "ukraine")
    await world.say("/digest")
    await world.say("/search Greek president")

    (story,) = await world.say("/story 1")
    (why,) = await world.say("/why 1")

    assert story.text.startswith("🇪🇺 1. Upset over new president\n\nGreek lawmakers named")
    assert why.text == (
        "Why story 1: Upset over new president\nYou found it with /search; it is tagged 🇪🇺 Europe."
    )


async def test_an_empty_or_exclusion_only_search_gets_a_one_line_hint(world: World) -> None:
    await world.say("/start")

    (empty,) = await world.say("/search")
    (excluding,) = await world.say("/search -ukraine")
    (nothing,) = await world.say("/search zeppelin")

    assert empty.text.startswith("Usage: /search WORDS, e.g. /search tariffs -canada")
    assert excluding.text == (
        "Nothing to search for: give at least one word to look for; "
        "-word only excludes, and quotes find phrases."
    )
    assert nothing.text == "No stories match “zeppelin”. Try fewer words, or another spelling."
    assert all("\n" not in m.text for m in (empty, excluding, nothing))


async def test_search_text_is_escaped_and_more_results_are_announced(world: World) -> None:
    async with world.sessions.begin() as session:
        await insert_brief(
            session, [(f"Drone report {i}", f"Drones & <tags> {i}.", {}) for i in range(12)]
        )
    await world.say("/start")

    (reply,) = await world.say("/search drones <tags>")

    assert reply.text.startswith("🔎 drones <tags> · 10 stories, newest first")
    assert reply.text.endswith("More stories match; add a word to narrow it down.")
    assert "Drones & <tags>" in reply.text


def _local_midnight(zone: str) -> datetime:
    now = datetime.now(ZoneInfo(zone))
    return datetime.combine(now.date(), datetime.min.time(), tzinfo=ZoneInfo(zone))


async def test_today_and_yesterday_follow_the_subscribers_time_zone(world: World) -> None:
    zone = "Pacific/Kiritimati"  # UTC+14: its days start at 10:00 UTC
    midnight = _local_midnight(zone).astimezone(UTC)
    margin = min(timedelta(minutes=5), (utcnow() - midnight) / 2)
    async with world.sessions.begin() as session:
        stories = await insert_brief(
            session,
            [
                ("Late yesterday", "Kyiv at night.", {"ukraine": ["Kyiv"]}),
                ("Early today", "Kyiv at dawn.", {"ukraine": ["Kyiv"]}),
                ("Two days ago", "Kyiv before.", {"ukraine": ["Kyiv"]}),
                ("Not my topic", "Gaza today.", {"gaza": ["Gaza"]}),
            ],
        )
        for story, at in zip(
            stories,
            [midnight - margin, midnight + margin, midnight - timedelta(days=1, minutes=1),
             midnight + margin],
            strict=True,
        ):  # fmt: skip
            story.ingested_at = at
    await world.say("/start ukraine")
    await world.say(f"/timezone {zone}")

    (today,) = await world.say("/today")
    (yesterday,) = await world.say("/yesterday")
    (story,) = await world.say("/story 1")

    assert today.text.startswith(f"📅 Today, {_local_midnight(zone):%A} ")
    assert f"({zone}) · 1 on your topics\n\n1. 🇺🇦 Early today" in today.text
    assert "Late yesterday" not in today.text and "Not my topic" not in today.text
    assert f"({zone}) · 1 on your topics\n\n1. 🇺🇦 Late yesterday" in yesterday.text
    assert "Two days ago" not in yesterday.text
    assert story.text.startswith("🇺🇦 1. Late yesterday")


async def test_today_says_so_when_nothing_came_in_or_nothing_is_followed(world: World) -> None:
    await world.say("/start")
    (unfollowed,) = await world.say("/today")
    await world.say("/topics gaza")

    (empty,) = await world.say("/yesterday")

    assert unfollowed.text.startswith("You don't follow anything yet.")
    assert empty.text.startswith("Nothing on your topics came in yesterday (")
