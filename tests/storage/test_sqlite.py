"""SQLite connections of our own: a statement in one trip, commands in the loop's thread."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import text

from storage import db


async def test_rows_counts_and_new_ids_come_back_from_one_trip_per_statement(
    tmp_path: Path,
) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lean.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
            many = await connection.execute(
                text("INSERT INTO t (name) VALUES (:name)"), [{"name": "a"}, {"name": "b"}]
            )
            one = await connection.execute(text("INSERT INTO t (name) VALUES ('c')"))
            changed = await connection.execute(text("UPDATE t SET name = name || '!'"))
            rows = (await connection.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert many.rowcount == 2
        assert one.lastrowid == 3
        assert changed.rowcount == 3
        assert [tuple(r) for r in rows] == [(1, "a!"), (2, "b!"), (3, "c!")]
    finally:
        await engine.dispose()


async def test_a_command_waiting_for_the_write_lock_leaves_the_event_loop_running(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locked.db'}"
    background = db.create_engine(url)
    commands = db.command_sessions(db.create_sessionmaker(background))
    assert commands.kw["bind"] is not background, "commands have an engine of their own"
    try:
        async with background.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))

        async def command() -> None:
            async with commands.begin() as session:
                await session.execute(text("INSERT INTO t (id) VALUES (2)"))

        async with background.begin() as connection:  # holds the write lock
            await connection.execute(text("INSERT INTO t (id) VALUES (1)"))
            waiting = asyncio.create_task(command())
            ticks, until = 0, time.monotonic() + 0.5
            while time.monotonic() < until:
                await asyncio.sleep(0.01)
                ticks += 1
            assert not waiting.done(), "the command waits for the lock"
            assert ticks >= 20, "the event loop kept running meanwhile"
        await asyncio.wait_for(waiting, 5)

        async with commands() as session:
            ids = (await session.scalars(text("SELECT id FROM t ORDER BY id"))).all()
        assert list(ids) == [1, 2], "the command wrote once the lock was free"
    finally:
        await commands.kw["bind"].dispose()
        await background.dispose()
