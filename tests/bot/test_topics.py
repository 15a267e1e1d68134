"""Choosing topics: the inline picker, /topics with slugs, and the subscriber's own keywords."""

from __future__ import annotations

from storage import subscribers
from tests.bot.conftest import ME, World
from tests.bot.seed import insert_seed_brief


async def _followed(world: World) -> list[str]:
    async with world.sessions() as session:
        found = await subscribers.get_subscriber(session, ME)
    return found.topic_slugs if found else []


async def test_tapping_a_topic_toggles_it_and_edits_the_same_message(world: World) -> None:
    (picker,) = await world.say("/topics")

    added = await world.tap(picker, "Ukraine")
    after_add = world.api.messages[(ME, picker.message_id)]
    add_buttons, add_text = after_add.buttons(), after_add.text
    removed = await world.tap(after_add, "Ukraine")
    after_remove = world.api.messages[(ME, picker.message_id)]

    assert added == [] and removed == []  # edited in place, no new messages
    assert ("✅ 🇺🇦 Ukraine", "1|t|ukraine") in add_buttons
    assert "You follow: 🇺🇦 Ukraine" in add_text
    assert ("▫️ 🇺🇦 Ukraine", "1|t|ukraine") in after_remove.buttons()
    assert await _followed(world) == []
    assert world.answers() == ["Following 🇺🇦 Ukraine", "Unfollowed 🇺🇦 Ukraine"]
    assert world.api.open_queries == {}


async def test_done_closes_the_picker_with_the_choice(world: World) -> None:
    await world.say("/start gaza")
    (picker,) = await world.say("/topics")

    await world.tap(picker, "Done")

    closed = world.api.messages[(ME, picker.message_id)]
    assert closed.text.startswith("Your topics: 🕊️ Gaza")
    assert closed.buttons() == []


async def test_tapping_a_topic_under_the_welcome_keeps_the_welcome_and_says_what_is_followed(
    world: World,
) -> None:
    (welcome,) = await world.say("/start")

    added = await world.tap(welcome, "Ukraine")

    after = world.api.messages[(ME, welcome.message_id)]
    assert added == [], "edited in place"
    assert after.text.startswith("👋 Welcome to briefbot!")
    assert "You follow: 🇺🇦 Ukraine. Tap below to change that, or send /digest now." in after.text
    assert "Pick your topics below" not in after.text
    assert ("✅ 🇺🇦 Ukraine", "1|t|ukraine|n") in after.buttons()
    assert await _followed(world) == ["ukraine"]


async def test_done_under_the_welcome_keeps_the_greeting_with_the_choice(world: World) -> None:
    await world.say("/start trade")
    (welcome,) = await world.say("/start gaza")

    await world.tap(welcome, "Done")

    closed = world.api.messages[(ME, welcome.message_id)]
    assert closed.text.startswith("👋 Welcome back!")
    assert "Your topics: 🕊️ Gaza, 🚢 Trade\nSend /digest to read what matches." in closed.text
    assert closed.text.endswith("/help lists everything I can do.")
    assert "Tap below" not in closed.text
    assert closed.buttons() == []


async def test_topics_with_slugs_sets_them_directly(world: World) -> None:
    await world.say("/start trade")

    (reply,) = await world.say("/topics ukraine gaza")

    assert reply.text.startswith("Done. You follow 🇺🇦 Ukraine, 🕊️ Gaza.")
    assert await _followed(world) == ["gaza", "ukraine"]


async def test_an_unknown_slug_gets_a_suggestion_and_changes_nothing(world: World) -> None:
    await world.say("/start trade")

    (reply,) = await world.say("/topics ukrane gaza")

    assert reply.text.splitlines()[0] == "unknown topic 'ukrane' — did you mean ukraine?"
    assert "Nothing was changed" in reply.text
    assert await _followed(world) == ["trade"]


async def test_topic_names_and_aliases_work_like_slugs(world: World) -> None:
    (reply,) = await world.say("/topics Kiev, Middle East")

    assert reply.text.startswith("Done. You follow 🇺🇦 Ukraine, 🕌 Middle East.")
    assert await _followed(world) == ["middle-east", "ukraine"]


async def test_follow_and_unfollow_manage_own_keywords(world: World) -> None:
    await world.say("/start")

    (followed,) = await world.say('/follow drones "Rare earth"')
    (unfollowed,) = await world.say("/unfollow drones")
    (usage,) = await world.say("/follow")

    assert followed.text.startswith("Your keywords: “drones”, “rare earth”.")
    assert unfollowed.text.startswith("Your keywords: “rare earth”.")
    assert usage.text.startswith("Usage: /follow WORD")


async def test_following_a_keyword_finds_stories_already_stored(world: World) -> None:
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)
    await world.say("/start")

    await world.say("/follow Tassoulas")
    (digest, *_) = await world.say("/digest")

    assert "Upset over new president" in digest.text
    assert "Renewing war" not in digest.text
