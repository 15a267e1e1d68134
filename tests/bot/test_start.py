"""A new subscriber: /start, the command menu, deep links, /help and hints."""

from __future__ import annotations

from storage import subscribers
from storage.models import SubscriberState
from tests.bot.conftest import ME, World


async def test_the_bot_registers_its_command_menu_at_start_up(world: World) -> None:
    names = [c["command"] for c in world.api.commands]

    assert {"start", "topics", "digest", "story", "help", "settings", "stop"} <= set(names)
    assert "stats" not in names


async def test_start_welcomes_subscribes_and_shows_the_topic_picker(world: World) -> None:
    welcome, picker = await world.say("/start")

    assert "Welcome to briefbot" in welcome.text
    assert "topics" in welcome.text
    labels = [label for label, _ in picker.buttons()]
    assert any("Ukraine" in label for label in labels)
    assert any("Gaza" in label for label in labels)
    async with world.sessions() as session:
        subscriber = await subscribers.get_subscriber(session, ME)
    assert subscriber is not None and subscriber.state is SubscriberState.ACTIVE
