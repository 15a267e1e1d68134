"""Groups: everyone can read, only the group's admins change settings."""

from __future__ import annotations

from storage import subscribers
from tests.bot.conftest import World
from tests.bot.seed import insert_seed_brief

GROUP = -100200300
OWNER, MEMBER = 501, 502


async def _group_topics(world: World) -> list[str] | None:
    async with world.sessions() as session:
        found = await subscribers.get_subscriber(session, GROUP)
    return found.topic_slugs if found else None


async def test_adding_the_bot_to_a_group_says_hello(world: World) -> None:
    mark = len(world.api.calls)
    await world.until_processed(await world.api.bot_added_to_group(GROUP, OWNER))

    (hello,) = world.sent_since(mark)
    assert "A group admin can send /start" in hello.text


async def test_only_group_admins_can_subscribe_and_change_topics(world: World) -> None:
    world.api.set_admins(GROUP, {OWNER})

    (refused,) = await world.say("/start", GROUP, user_id=MEMBER)
    subscribed_by_member = await _group_topics(world)
    (picker,) = await world.say("/start gaza", GROUP, user_id=OWNER)
    await world.tap(picker, "Ukraine", user_id=MEMBER)
    (set_refused,) = await world.say("/topics trade", GROUP, user_id=MEMBER)

    assert refused.text == "Only this group's admins can change my settings here."
    assert subscribed_by_member is None
    assert set_refused.text == refused.text
    assert world.answers()[-1] == refused.text
    assert await _group_topics(world) == ["gaza"]


async def test_group_members_can_read_the_digest(world: World) -> None:
    world.api.set_admins(GROUP, {OWNER})
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)
    await world.say("/start gaza", GROUP, user_id=OWNER)

    (digest,) = await world.say("/digest", GROUP, user_id=MEMBER)
    (story,) = await world.say("/story 1", GROUP, user_id=MEMBER)

    assert "1. 🕊️🕌 Renewing war" in digest.text
    assert story.text.startswith("🕊️🕌 1. Renewing war")


async def test_a_group_stays_quiet_on_plain_talk_and_other_bots_commands(world: World) -> None:
    mark = len(world.api.calls)
    first = await world.api.user_sends(GROUP, "lunch anyone?", user_id=MEMBER)
    second = await world.api.user_sends(GROUP, "/weather@otherbot", user_id=MEMBER)
    await world.until_processed(first)
    await world.until_processed(second)

    assert world.sent_since(mark) == []


async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscription(world: World) -> None:
    world.api.set_admins(GROUP, {OWNER})
    await world.say("/start trade", GROUP, user_id=OWNER)
    new_id = -1009998887776
    world.api.migrate_group(GROUP, new_id)

    update = await world.api.user_migrates(GROUP, new_id)
    await world.until_processed(update)

    async with world.sessions() as session:
        moved = await subscribers.get_subscriber(session, new_id)
    assert moved is not None and moved.topic_slugs == ["trade"]
