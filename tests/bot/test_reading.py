"""Reading: /digest, /story N and /story_N, /why N, and the buttons under a digest."""

from __future__ import annotations

from tests.bot.conftest import World
from tests.bot.seed import WORLD_BRIEF_URL, insert_brief, insert_seed_brief
from tests.botapi.html import utf16_len


async def _seeded(world: World, *topics: str) -> None:
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)
    await world.say("/start " + "-".join(topics))


async def test_digest_without_topics_says_how_to_choose_them(world: World) -> None:
    await world.say("/start")

    (reply,) = await world.say("/digest")

    assert reply.text.startswith("You don't follow anything yet.")


async def test_digest_numbers_the_matching_stories_with_emoji_teaser_and_story_link(
    world: World,
) -> None:
    await _seeded(world, "gaza", "trade")

    (digest,) = await world.say("/digest")

    entries = digest.text.split("\n\n")
    assert entries[0] == "📰 Your stories · 3 new"
    assert entries[1] == (
        "1. 🕊️🕌 Renewing war\n"
        "The Israeli military called up its reservists on Wednesday ahead of a looming "
        "breakdown in the Gaza cease-fire deal.\n/story_1"
    )
    assert entries[2].startswith("2. 🚢🌏 Modi comes to Washington\n")
    assert entries[3].startswith("3. 🚢🌎 Odds and Ends\n")
    assert [label for label, _ in digest.buttons()] == ["📖 1", "📖 2", "📖 3"]


async def test_a_second_digest_with_nothing_new_shows_the_latest_again(world: World) -> None:
    await _seeded(world, "ukraine")
    await world.say("/digest")

    (again,) = await world.say("/digest")

    assert again.text.startswith("📰 Nothing new since your last digest.")
    assert "1. 🇺🇦🇪🇺 Is Europe on Its Own?" in again.text


async def test_story_n_and_story_underscore_n_show_the_story_in_full_with_its_link(
    world: World,
) -> None:
    await _seeded(world, "ukraine", "gaza")
    await world.say("/digest")

    (story,) = await world.say("/story 2")
    (same,) = await world.say("/story_2")

    assert story.text.startswith("🕊️🕌 2. Renewing war\n\nThe Israeli military called up")
    assert "Egypt’s foreign ministry said late Tuesday" in story.text
    assert {"type": "text_link", "url": WORLD_BRIEF_URL} in [
        {k: e[k] for k in ("type", "url")} for e in story.entities if e["type"] == "text_link"
    ]
    assert same.text == story.text
    assert [label for label, _ in story.buttons()] == ["⬅️ 1", "Why this?"]


async def test_story_alone_lists_the_latest_digest(world: World) -> None:
    await _seeded(world, "trade")
    await world.say("/digest")

    (listing,) = await world.say("/story")

    assert listing.text.splitlines() == [
        "Your latest digest",
        "/story_1 🚢🌏 Modi comes to Washington",
        "/story_2 🚢🌎 Odds and Ends",
    ]


async def test_a_story_number_past_the_end_says_how_many_there_are(world: World) -> None:
    await _seeded(world, "trade")
    await world.say("/digest")

    (reply,) = await world.say("/story 99")
    (usage,) = await world.say("/story two")

    assert reply.text == (
        "There is no story 99 in your latest digest; it has 2 stories (/story 1 to /story 2)."
    )
    assert usage.text.startswith("Usage: /story N")


async def test_story_before_any_digest_points_to_digest(world: World) -> None:
    await world.say("/start")

    (reply,) = await world.say("/story 1")

    assert reply.text.startswith("You haven't received a digest yet.")


async def test_why_names_the_topic_and_the_terms_that_matched(world: World) -> None:
    await _seeded(world, "gaza")
    await world.say("/digest")

    (reply,) = await world.say("/why 1")

    assert reply.text == "Why story 1: Renewing war\n• topic 🕊️ Gaza: “Gaza”, “Hamas”, “hostage”"


async def test_digest_buttons_open_a_story_and_explain_it(world: World) -> None:
    await _seeded(world, "europe")
    (digest,) = await world.say("/digest")

    (story,) = await world.tap(digest, "📖 2")
    (why,) = await world.tap(story, "Why this?")

    assert story.text.startswith("🇪🇺 2. Upset over new president")
    assert why.text.startswith("Why story 2: Upset over new president\n• topic 🇪🇺 Europe")
    assert world.api.open_queries == {}


async def test_own_keywords_bring_in_stories_and_are_explained(world: World) -> None:
    async with world.sessions.begin() as session:
        await insert_brief(
            session,
            [("Drone factory opens", "A new drone factory opened in Lviv.", {})],
            keywords={0: {"drone": ["drone"]}},
        )
    await world.say("/follow drone")

    (digest,) = await world.say("/digest")
    (why,) = await world.say("/why 1")

    assert "1. Drone factory opens" in digest.text
    assert why.text.endswith("• your keyword “drone”: “drone”")


async def test_feed_text_is_escaped_and_shown_exactly(world: World) -> None:
    title = "AT&T <script>alert(1)</script> deal"
    text = "Prices < 5 & rising; <b>not bold</b> & &amp; stays literal."
    async with world.sessions.begin() as session:
        await insert_brief(
            session, [(title, text, {"tech": ["AT&T"]})], url="https://x.test/?a=1&b=<2>"
        )
    await world.say("/start tech")

    (digest,) = await world.say("/digest")
    (story,) = await world.say("/story 1")

    assert f"1. 💻 {title}\n{text}\n/story_1" in digest.text
    assert story.text.startswith(f"💻 1. {title}\n\n{text}")
    assert [e["url"] for e in story.entities if e["type"] == "text_link"] == [
        "https://x.test/?a=1&b=<2>"
    ]
    assert not [e for e in story.entities if e["type"] == "bold" and e["offset"] > 10]
    assert all(c.ok for c in world.api.calls_to("sendMessage"))


async def test_a_story_longer_than_a_message_is_split_at_paragraph_boundaries(
    world: World,
) -> None:
    paragraphs = [f"Paragraph {i} 📰 " + "word & <more> " * 40 for i in range(40)]
    async with world.sessions.begin() as session:
        await insert_brief(
            session,
            [("A very long story", "\n".join(paragraphs), {"ukraine": ["Kyiv"]})],
            url="https://example.org/long",
        )
    await world.say("/start ukraine")
    await world.say("/digest")

    parts = await world.say("/story 1")

    assert len(parts) >= 3
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert all(len(p.entities) <= 100 for p in parts)
    shown = [block for p in parts for block in p.text.split("\n\n")]
    assert shown[1:-1] == [p.strip() for p in paragraphs]
    assert parts[-1].text.endswith("Read it at the source")
    assert parts[-1].buttons() and not any(p.buttons() for p in parts[:-1])
