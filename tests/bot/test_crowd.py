"""Many people at once, against a double that keeps Telegram's flood limits strictly."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import pytest
from sqlalchemy import insert

from bot.delivery.sender import OutboxSender
from storage.models import OutboxMessage
from storage.states import OutboxKind
from tests.bot.conftest import World
from tests.botapi import Limits

RATE = 300
PEOPLE = 300
FIRST_PERSON = 20_000
BROADCAST_CHATS = range(900_000, 900_600)
COMMANDS = ["/start", "/topics gaza", "/timezone Europe/Kyiv", "/time 06:45"]
# The first words of the replies, in order: one to each command.
FIRST_WORDS = ["👋", "Done.", "Time", "Your"]


@pytest.fixture
def limits() -> Limits:
    return Limits(overall_per_second=RATE)


@pytest.fixture
def pacing() -> dict[str, Any]:
    """Telegram's own pacing: one message in any second to a private chat."""
    return {"private_burst": 1, "max_messages_per_second": RATE}


async def queue_broadcast(world: World) -> None:
    async with world.sessions.begin() as session:
        await session.execute(
            insert(OutboxMessage),
            [{"kind": OutboxKind.TEXT, "chat_id": c, "text": "Today's digest"}
             for c in BROADCAST_CHATS],
        )  # fmt: skip


async def everyone_says(world: World, people: range, texts: list[str]) -> list[dict[str, Any]]:
    """Each person sends ``texts`` in turn, everyone at once; the updates, in order."""
    sent: list[dict[str, Any]] = []
    for text in texts:
        for person in people:
            sent.append(await world.api.user_sends(person, text))
    return sent


async def test_three_hundred_people_at_once_during_a_broadcast_all_get_every_answer(
    world: World,
) -> None:
    await queue_broadcast(world)
    sender = OutboxSender(world.application.bot, world.sessions)
    people = range(FIRST_PERSON, FIRST_PERSON + PEOPLE)

    drain = asyncio.create_task(sender.drain())
    updates = await everyone_says(world, people, COMMANDS)
    await world.until_all_processed(updates, within=120)
    report = await asyncio.wait_for(drain, 120)

    assert report.sent == len(BROADCAST_CHATS)
    for person in people:
        words = [m.text.split()[0] for m in world.api.sent_to(person)]
        assert words == FIRST_WORDS, f"person {person} got {words}"
    assert [c for c in world.api.calls if c.error_code == 429] == []
    assert world.api.busiest_second() <= RATE


async def test_a_long_retry_after_for_one_chat_does_not_slow_anyone_elses_replies(
    world: World,
) -> None:
    held, others = 7, range(FIRST_PERSON, FIRST_PERSON + 50)

    async def reply_seconds(people: range) -> list[float]:
        asked = time.monotonic()
        updates = await everyone_says(world, people, ["/help"])
        await world.until_all_processed(updates, within=20)
        return [min(c.at for c in world.api.calls_to("sendMessage") if c.chat_id == p) - asked
                for p in people]  # fmt: skip

    before = await reply_seconds(others)
    world.api.flood_chat(held, 30)
    await world.api.user_sends(held, "/help")
    await world.api.wait_for(lambda: bool(world.api.flooded) is False)  # the 429 was given
    during = await reply_seconds(range(others.start + 100, others.stop + 100))

    # Were the others held behind the waiting chat, they would wait 30 s.
    assert max(during) < max(before) + 1.0, (before, during)
    assert statistics.median(during) < statistics.median(before) * 1.5 + 0.2, (before, during)
    assert world.api.sent_to(held) == [], "the held chat waits out its retry_after"
    await world.api.wait_for(lambda: bool(world.api.sent_to(held)), within=35)
    [refused] = [c for c in world.api.calls if c.error_code == 429]
    [answer] = [c for c in world.api.calls_to("sendMessage") if c.chat_id == held and c.ok]
    assert answer.at - refused.at >= 30.0
