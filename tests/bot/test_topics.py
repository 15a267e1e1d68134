"""Choosing topics: the inline picker, /topics with slugs, and the subscriber's own keywords."""

from __future__ import annotations

from storage import subscribers
from tests.bot.conftest import ME, World


async def _followed(world: World) -> list[str]:
    async with world.sessions() as session:
        found = await subscribers.get_subscriber(session, ME)
    return found.topic_slugs if found else []


async def test_tapping_a_topic_toggles_it_and_edits_the_same_message(world: World) -> None:
    _, picker = await world.say("/start")

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
    _, picker = await world.say("/start gaza")

    await world.tap(picker, "Done")

    closed = world.api.messages[(ME, picker.message_id)]
    assert closed.text.startswith("Your topics: 🕊️ Gaza")
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
