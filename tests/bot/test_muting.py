"""Hearing less: mute a story's topic or "fewer like this" from a digest, undo it in /settings."""

from __future__ import annotations

from tests.bot.conftest import World
from tests.bot.seed import insert_seed_brief


async def _seeded(world: World, *topics: str) -> None:
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)
    await world.say("/start " + "-".join(topics))


def _titles(digest_text: str) -> list[str]:
    return [line for line in digest_text.splitlines() if line[:1].isdigit()]


async def test_muting_a_topic_from_a_digest_hides_its_stories_until_unmuted_in_settings(
    world: World,
) -> None:
    await _seeded(world, "middle-east", "europe")
    (digest,) = await world.say("/digest")
    assert "2. 🕊️🕌 Renewing war" in digest.text

    (menu,) = await world.tap(digest, "🔇 2")
    assert await world.tap(menu, "🔇 Gaza") == []
    (latest,) = await world.say("/digest")
    (today,) = await world.say("/today")
    (settings,) = await world.say("/settings")
    shown = settings.text
    await world.tap(settings, "🔈 Gaza")
    (again,) = await world.say("/today")

    assert menu.text.startswith("Hear less like story 2: Renewing war\n")
    assert [label for label, _ in menu.buttons()] == [
        "🔇 Gaza", "🔇 Middle East", "👎 Fewer “hamas”"
    ]  # fmt: skip
    assert world.answers()[-2].startswith("🔇 Gaza muted: its stories are left out")
    assert latest.text.startswith("📰 Nothing new since your last digest.")
    assert "Renewing war" not in latest.text and "Is Europe on Its Own?" in latest.text
    assert _titles(today.text) == [
        "1. 🇺🇦🇪🇺 Is Europe on Its Own?",
        "2. 🇪🇺 Upset over new president",
    ]
    assert "Muted: 🕊️ Gaza (tap 🔈 to unmute)" in shown.splitlines()
    assert "Muted: nothing" in settings.text.splitlines()
    assert world.answers()[-1] == "🔈 Unmuted: those stories come back."
    assert "2. 🕊️🕌 Renewing war" in again.text


async def test_fewer_like_this_from_a_story_leaves_out_stories_with_that_word(
    world: World,
) -> None:
    await _seeded(world, "europe")
    await world.say("/digest")
    (story,) = await world.say("/story 2")

    await world.tap(story, "👎 Fewer “greek”")
    (today,) = await world.say("/today")
    (settings,) = await world.say("/settings")
    shown = settings.text
    await world.tap(settings, "🔈 “greek”")
    (again,) = await world.say("/today")

    assert story.text.startswith("🇪🇺 2. Upset over new president")
    assert world.answers()[0] == (
        "👎 Fewer stories mentioning “greek” from now on. Undo in /settings."
    )
    assert _titles(today.text) == ["1. 🇺🇦🇪🇺 Is Europe on Its Own?"]
    assert "Muted: “greek” (tap 🔈 to unmute)" in shown
    assert "2. 🇪🇺 Upset over new president" in again.text


async def test_a_muted_topic_is_lifted_by_following_it_again(world: World) -> None:
    await _seeded(world, "middle-east")
    (digest,) = await world.say("/digest")
    (menu,) = await world.tap(digest, "🔇 1")
    await world.tap(menu, "🔇 Middle East")
    (muted,) = await world.say("/today")

    (picker,) = await world.say("/topics")
    await world.tap(picker, "Middle East")  # unfollow
    await world.tap(picker, "Middle East")  # and follow again
    (followed,) = await world.say("/today")

    assert muted.text.startswith("Nothing on your topics came in today")
    assert "1. 🕊️🕌 Renewing war" in followed.text


async def test_in_a_group_only_admins_can_mute(world: World) -> None:
    group, admin, member = -100300, 501, 502
    world.api.set_admins(group, {admin})
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)
    await world.say("/start gaza", group, user_id=admin)
    (digest,) = await world.say("/digest", group, user_id=member)
    (menu,) = await world.tap(digest, "🔇 1", user_id=member)

    await world.tap(menu, "🔇 Gaza", user_id=member)
    (still,) = await world.say("/today", group, user_id=member)

    assert world.answers()[-1] == "Only this group's admins can change my settings here."
    assert "1. 🕊️🕌 Renewing war" in still.text
