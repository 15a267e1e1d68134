"""Admins' /stats, and a bot that never goes silent: errors, bad markup, flood limits."""

from __future__ import annotations

import logging

import pytest

from storage import subscribers
from storage.states import SubscriberState
from tests.bot.conftest import ADMIN, ME, World
from tests.botapi import Limits


async def test_stats_shows_admins_the_numbers(world: World) -> None:
    await world.say("/start ukraine")

    (stats,) = await world.say("/stats", ADMIN)

    lines = stats.text.splitlines()
    assert lines[0] == "📊 briefbot stats"
    assert "Subscribers: active 1, paused 0, stopped 0, blocked 0" in lines
    assert "  🇺🇦 Ukraine: 1" in lines
    assert any(line.startswith("Feeds: 5 (0 failing)") for line in lines)


async def test_stats_is_an_unknown_command_for_everyone_else(world: World) -> None:
    (reply,) = await world.say("/stats")

    assert reply.text == "I don't know /stats. Send /help for what I can do."


async def test_a_failing_reply_is_logged_and_the_user_gets_an_apology(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.api.fail_next("sendMessage", 500, "Internal Server Error: try again")

    with caplog.at_level(logging.ERROR, logger="bot.handlers.basics"):
        (apology,) = await world.say("/help")
    (after,) = await world.say("/help")

    assert apology.text.startswith("Sorry, something went wrong on my side.")
    assert "command '/help'" in caplog.text and "Traceback" in caplog.text
    assert after.text.startswith("What I can do")


async def test_markup_telegram_cannot_parse_goes_out_as_plain_text(world: World) -> None:
    world.api.fail_next(
        "sendMessage", 400, "Bad Request: can't parse entities: Unsupported start tag"
    )

    (reply,) = await world.say("/help")

    assert reply.text.startswith("What I can do")
    assert reply.html == reply.text  # sent without parse mode
    failed = [c for c in world.api.calls_to("sendMessage") if not c.ok]
    assert len(failed) == 1


async def test_a_user_who_blocked_the_bot_is_marked_when_a_reply_fails(world: World) -> None:
    await world.say("/start")
    world.api.blocked.add(ME)

    sent = await world.say("/help")

    async with world.sessions() as session:
        found = await subscribers.get_subscriber(session, ME)
    assert sent == []
    assert found is not None and found.state is SubscriberState.BLOCKED


@pytest.fixture
def limits() -> Limits:
    return Limits(private_burst=2)


async def test_replies_wait_out_telegrams_flood_limit_instead_of_getting_lost(
    world: World,
) -> None:
    sent = await world.say("/start") + await world.say("/help") + await world.say("/help")

    assert [m.text.split()[0] for m in sent] == ["👋", "What", "What"]
    limited = [c for c in world.api.calls_to("sendMessage") if c.error_code == 429]
    assert limited and limited[0].description.startswith("Too Many Requests: retry after")
