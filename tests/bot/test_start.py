"""A new subscriber: /start, the command menu, deep links, /help and hints."""

from __future__ import annotations

from storage import subscribers
from storage.states import SubscriberState
from tests.bot.conftest import ME, World


async def test_the_bot_registers_its_command_menu_at_start_up(world: World) -> None:
    names = [c["command"] for c in world.api.commands]

    assert {"start", "topics", "digest", "story", "help", "settings", "stop"} <= set(names)
    assert "stats" not in names


async def test_start_welcomes_subscribes_and_shows_the_topic_picker_in_one_message(
    world: World,
) -> None:
    (welcome,) = await world.say("/start")

    assert "Welcome to briefbot" in welcome.text
    assert "Pick your topics below" in welcome.text
    labels = [label for label, _ in welcome.buttons()]
    assert any("Ukraine" in label for label in labels)
    assert any("Gaza" in label for label in labels)
    async with world.sessions() as session:
        subscriber = await subscribers.get_subscriber(session, ME)
    assert subscriber is not None and subscriber.state is SubscriberState.ACTIVE


async def test_a_deep_link_subscribes_straight_to_its_topics(world: World) -> None:
    (welcome,) = await world.say("/start ukraine-trade")

    assert "You follow: 🇺🇦 Ukraine, 🚢 Trade" in welcome.text
    checked = [label for label, _ in welcome.buttons() if label.startswith("✅")]
    assert checked == ["✅ 🇺🇦 Ukraine", "✅ 🚢 Trade"]


async def test_a_deep_link_understands_slugs_that_contain_dashes(world: World) -> None:
    (welcome,) = await world.say("/start middle-east-gaza")

    assert "You follow: 🕊️ Gaza, 🕌 Middle East" in welcome.text


async def test_help_lists_every_command(world: World) -> None:
    (reply,) = await world.say("/help")

    for command in ["/start", "/topics", "/digest", "/story", "/why", "/time", "/timezone",
                    "/mode", "/pause", "/resume", "/settings", "/stop", "/forget"]:  # fmt: skip
        assert command in reply.text


async def test_an_unknown_command_gets_a_one_line_hint(world: World) -> None:
    (reply,) = await world.say("/weather tomorrow")

    assert reply.text == "I don't know /weather. Send /help for what I can do."


async def test_plain_text_gets_a_hint_never_silence(world: World) -> None:
    (reply,) = await world.say("hello, what can you do?")

    assert "/help" in reply.text
    assert "\n" not in reply.text


async def test_stop_keeps_preferences_and_start_resumes(world: World) -> None:
    await world.say("/start ukraine")

    (stopped,) = await world.say("/stop")
    async with world.sessions() as session:
        after_stop = await subscribers.get_subscriber(session, ME)
    (welcome,) = await world.say("/start")

    assert "won't send you anything" in stopped.text
    assert after_stop is not None and after_stop.state is SubscriberState.STOPPED
    assert "Welcome back" in welcome.text
    assert "You follow: 🇺🇦 Ukraine" in welcome.text


async def test_forget_deletes_everything_only_after_the_confirm_button(world: World) -> None:
    await world.say("/start ukraine")
    (question,) = await world.say("/forget")

    await world.tap(question, "Cancel")
    async with world.sessions() as session:
        kept = await subscribers.get_subscriber(session, ME)
    (again,) = await world.say("/forget")
    await world.tap(again, "Yes, delete")
    async with world.sessions() as session:
        gone = await subscribers.get_subscriber(session, ME)

    assert kept is not None
    assert question.text == "Nothing was deleted."
    assert gone is None
    assert again.text.startswith("Done: everything about this chat is deleted.")
    assert world.api.open_queries == {}


async def test_a_user_who_blocks_the_bot_is_marked_blocked_and_start_reactivates(
    world: World,
) -> None:
    await world.say("/start gaza")

    await world.until_processed(await world.api.bot_blocked(ME))

    async def state() -> SubscriberState | None:
        async with world.sessions() as session:
            found = await subscribers.get_subscriber(session, ME)
        return found.state if found else None

    blocked = await state()
    await world.until_processed(await world.api.bot_unblocked(ME))
    (welcome,) = await world.say("/start")

    assert blocked is SubscriberState.BLOCKED
    assert await state() is SubscriberState.ACTIVE
    assert "You follow: 🕊️ Gaza" in welcome.text
