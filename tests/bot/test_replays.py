"""An update that arrives twice is handled once (Telegram re-sends when an answer is slow)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from telegram import Update

from bot.runtime.intake import Sightings
from storage import updates
from storage.types import utcnow
from tests.bot.conftest import ME, World


async def test_the_same_update_twice_gets_one_digest(world: World) -> None:
    await world.say("/start")
    await world.say("/topics ukraine")
    mark = len(world.api.calls)
    raw = await world.api.user_sends(ME, "/digest")
    await world.until_processed(raw)
    again = Update.de_json(raw, world.application.bot)

    await world.application.update_queue.put(again)
    await world.say("/help")  # processed after the copy

    replies = world.sent_since(mark)
    assert len([r for r in replies if "/help" not in r.text and "Commands" not in r.text]) == 1
    assert len(replies) == 2


async def test_a_message_without_a_chat_reaches_no_handler(world: World) -> None:
    mark = len(world.api.calls)
    broken = Update.de_json(
        {"update_id": 777, "message": {"message_id": 1, "date": 0, "text": "/start"}},
        world.application.bot,
    )

    await world.application.update_queue.put(broken)
    await world.say("/help")

    assert len(world.sent_since(mark)) == 1


async def test_old_update_ids_are_pruned(world: World) -> None:
    now = utcnow()
    async with world.sessions.begin() as session:
        assert await updates.first_sight(session, 1, now - timedelta(days=3))
        assert await updates.first_sight(session, 2, now)
        assert not await updates.first_sight(session, 2, now)
        assert await updates.prune(session, now) == 1
        left = await session.scalar(select(func.count()).select_from(updates.SeenUpdate))
    assert left == 1


async def test_a_burst_of_updates_is_recorded_in_a_few_transactions_and_a_copy_among_them_once(
    world: World,
) -> None:
    sightings = Sightings(world.sessions)
    ids = [9_000 + i for i in range(300)] + [9_000]  # the first one arrives twice at once

    firsts = await asyncio.gather(*(sightings.first_sight(i) for i in ids))

    assert firsts.count(True) == 300
    assert firsts[0] and not firsts[-1], "the first copy is handled, the second not"
    assert sightings.transactions <= 3
    assert not await sightings.first_sight(9_001), "and later copies are not handled either"
