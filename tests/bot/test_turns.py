"""Turns at the commands' SQLite connection: a chat's first update of a burst goes first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from telegram import Chat, Message, Update

from bot.runtime.turns import PLACE, TakingTurns
from bot.runtime.updates import PerChatUpdateProcessor
from storage import db


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[TakingTurns]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    commands = db.command_sessions(db.create_sessionmaker(engine))
    taking_turns = TakingTurns(commands)
    yield taking_turns
    await engine.dispose()
    bind = commands.kw["bind"]
    if bind is not engine:
        await bind.dispose()


async def _hold_while(sessions: TakingTurns, released: asyncio.Event) -> asyncio.Task[None]:
    """A transaction that keeps its turn until ``released``; returns once it has it."""
    inside = asyncio.Event()

    async def hold() -> None:
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))
            inside.set()
            await released.wait()

    task = asyncio.create_task(hold())
    await inside.wait()
    return task


async def test_a_chats_first_update_reaches_the_database_before_other_chats_later_ones(
    sessions: TakingTurns,
) -> None:
    order: list[str] = []

    async def command(name: str, place: int) -> None:
        PLACE.set(place)
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))
            order.append(name)

    released = asyncio.Event()
    holder = await _hold_while(sessions, released)
    waiting = [
        asyncio.create_task(command(name, place))
        for name, place in [("A's third", 2), ("B's fourth", 3), ("C's first", 0),
                            ("D's second", 1), ("E's first", 0)]
    ]  # fmt: skip
    await asyncio.sleep(0.05)
    released.set()
    await asyncio.gather(holder, *waiting)

    assert order == ["C's first", "E's first", "D's second", "A's third", "B's fourth"]


async def test_a_command_cancelled_while_waiting_for_its_turn_holds_up_no_one(
    sessions: TakingTurns,
) -> None:
    done: list[str] = []

    async def command(name: str) -> None:
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))
            done.append(name)

    released = asyncio.Event()
    holder = await _hold_while(sessions, released)
    gone = asyncio.create_task(command("gone"))
    later = asyncio.create_task(command("later"))
    await asyncio.sleep(0.05)
    gone.cancel()
    released.set()
    await asyncio.wait_for(asyncio.gather(holder, later), 5)

    assert done == ["later"]
    assert gone.cancelled()
    await asyncio.wait_for(command("after"), 5)
    assert done == ["later", "after"], "the turn was free again"


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(id=chat_id, type="private")
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="/help"))


async def test_each_update_runs_with_its_place_in_its_chats_burst() -> None:
    processor = PerChatUpdateProcessor()
    places: dict[int, list[int]] = {5: [], 6: []}

    async def handle(chat_id: int) -> None:
        await asyncio.sleep(0.01)
        places[chat_id].append(PLACE.get())

    chats = [5, 5, 6, 5]
    await asyncio.gather(
        *(processor.do_process_update(_update(i, c), handle(c)) for i, c in enumerate(chats))
    )

    assert places == {5: [0, 1, 2], 6: [0]}
