"""Two `briefbot run` processes on one PostgreSQL database send every digest exactly once.

Only one process plans at a time (a PostgreSQL advisory lock), and claims skip
rows another process has locked, so the broadcast is shared, never doubled.
Started together, one plans and the other skips that sweep (its next sweep is a
minute later); a second process started mid-broadcast claims a share at once.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import db
from storage.models import Digest, OutboxMessage
from tests.botapi import BotApiDouble
from tests.conftest import PostgresDatabases
from tests.ops.broadcast import (
    bot_env,
    chats,
    digests_per_chat,
    prepare_broadcast,
    start_bot,
    wait_until_drained,
)

SUBSCRIBERS = 1200
# Per process: the broadcast lasts about sixteen seconds, so a second process that takes
# several seconds to start on a busy machine still finds rows the first has not claimed yet.
RATE = 75


async def _digests_and_workers(url: str) -> tuple[int, set[str]]:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as connection:
            digests = await connection.scalar(select(func.count()).select_from(Digest))
            workers = await connection.scalars(select(OutboxMessage.claimed_by).distinct())
            return int(digests or 0), {w for w in workers if w}
    finally:
        await engine.dispose()


@pytest.mark.parametrize("staggered", [False, True], ids=["started-together", "second-mid-send"])
async def test_two_bots_on_one_postgresql_database_send_every_digest_once_between_them(
    postgres_databases: PostgresDatabases, tmp_path: Path, staggered: bool
) -> None:
    url = await asyncio.to_thread(postgres_databases.create)
    feeds = tmp_path / "feeds.toml"
    await prepare_broadcast(url, feeds, SUBSCRIBERS)
    async with BotApiDouble() as api:
        env = bot_env(url, api, feeds, RATE)
        bots = [await start_bot(env, tmp_path, tmp_path / "first.log")]
        if staggered:  # the second joins a broadcast the first has planned and is sending
            await api.wait_for(lambda: bool(digests_per_chat(api)), within=30)
        # One run takes the updates; a second process on the database is a worker.
        bots.append(await start_bot(env, tmp_path, tmp_path / "second.log", "--worker"))
        try:
            counts = await wait_until_drained(url, within=60)
        finally:
            for bot in bots:
                bot.send_signal(signal.SIGTERM)
            await api.release_pollers()
            await asyncio.wait_for(asyncio.gather(*(bot.wait() for bot in bots)), 30)
    received = digests_per_chat(api)
    digests, workers = await _digests_and_workers(url)

    assert counts["sent"] == SUBSCRIBERS
    assert digests == SUBSCRIBERS, "a digest was planned twice"
    assert sorted(received) == chats(SUBSCRIBERS), "someone got no digest"
    assert set(received.values()) == {1}, "someone got a digest twice"
    if staggered:
        assert len(workers) == 2, f"the two processes did not share the broadcast: {workers}"
    assert [bot.returncode for bot in bots] == [0, 0]
