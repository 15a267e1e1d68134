"""Hostile text gets one line saying what is wrong; nothing changes, nothing is logged
as an error."""

from __future__ import annotations

import json
import logging

import pytest

from tests.bot.conftest import ME, World
from tests.botapi.double import Sent

SURROGATE = "\ud800"


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.WARNING)
    return caplog.records


def no_errors(records: list[logging.LogRecord]) -> bool:
    return not [r for r in records if r.levelno >= logging.ERROR]


async def say_hostile(world: World, text: str) -> list[Sent]:
    """Send ``text``; return the replies to it. A message stopped before the commands
    never reaches the test's last handler group, so a /help after it marks the end."""
    mark = len(world.api.calls)
    await world.api.user_sends(ME, text)
    await world.api.wait_for(lambda: bool(world.sent_since(mark)))
    await world.say("/help")
    return world.sent_since(mark)[:-1]


async def keywords(world: World) -> str:
    (reply,) = await world.say("/follow")
    return reply.text.rsplit("Your keywords:", 1)[1]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/follow \u200b\u200b\u200d", "needs letters or digits you can see"),
        ("/follow \u2060\ufeff", "needs letters or digits you can see"),
        ("/follow gaza\u202e", "cannot hold direction controls"),
        ("/follow \u2067trade", "cannot hold direction controls"),
        (f"/follow gaza{SURROGATE}", "characters I cannot read"),
        (f"/search tariffs{SURROGATE}", "characters I cannot read"),
        (f"/timezone Europe/Ky{SURROGATE}iv", "characters I cannot read"),
        (f"hello {SURROGATE}", "characters I cannot read"),
    ],
)
async def test_hostile_text_gets_one_line_and_changes_nothing(
    world: World, errors: list[logging.LogRecord], text: str, answer: str
) -> None:
    await world.say("/start")
    before = await keywords(world)

    replies = await say_hostile(world, text)

    assert len(replies) == 1 and answer in replies[0].text
    assert "nothing was changed" in replies[0].text and "\n" not in replies[0].text
    assert await keywords(world) == before
    assert no_errors(errors)


@pytest.mark.parametrize(
    ("content", "answer"),
    [
        (b"[" * 20_000 + b"]" * 20_000, "nested too deep"),
        (b'{"a":' * 9_000 + b"1" + b"}" * 9_000, "nested too deep"),
        (
            json.dumps(
                {"format": "briefbot-settings", "version": 1, "keywords": [f"x{SURROGATE}"]}
            ).encode(),
            "characters I cannot read",
        ),
        (
            json.dumps(
                {"format": "briefbot-settings", "version": 1, "keywords": ["\u200b"]}
            ).encode(),
            "needs letters or digits you can see",
        ),
        (
            json.dumps(
                {"format": "briefbot-settings", "version": 1, "keywords": ["a\u202eb"]}
            ).encode(),
            "cannot hold direction controls",
        ),
        (b"{" * 70_000, "too big for a settings file"),
    ],
)
async def test_a_hostile_settings_file_gets_one_line_and_changes_nothing(
    world: World, errors: list[logging.LogRecord], content: bytes, answer: str
) -> None:
    await world.say("/start")
    before = await keywords(world)

    replies = await world.send_file(content, "briefbot-settings.json")

    assert len(replies) == 1 and answer in replies[0].text
    assert await keywords(world) == before
    assert no_errors(errors)
