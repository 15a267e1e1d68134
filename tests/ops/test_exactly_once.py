"""Exactly once across crashes: SIGKILL or SIGTERM `briefbot run` mid-broadcast and start it again.

The bot runs as a real process against the Bot API double with Telegram's
limits, so a broadcast of a few hundred digests takes seconds and can be
interrupted. A killed sender leaves its claimed batch 'sending'; those rows
are claimed again once their lease (five minutes) has run out, which the test
stands in for by ageing the claims while the bot is down.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.botapi import BotApiDouble
from tests.botapi.limits import Limits
from tests.conftest import PostgresDatabases
from tests.ops.broadcast import (
    bot_env,
    chats,
    digests_per_chat,
    expire_claims,
    interrupt_mid_broadcast,
    outbox_counts,
    prepare_broadcast,
    start_bot,
    stop_bot,
    wait_until_drained,
)

SUBSCRIBERS = 300
RATE = 100  # messages a second: the broadcast takes about three seconds
LIMITS = Limits(overall_per_second=RATE)


@pytest.fixture(params=["sqlite", "postgresql"])
def broadcast_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        return databases.create()
    return f"sqlite+aiosqlite:///{tmp_path / 'briefbot.db'}"


async def test_a_bot_killed_mid_broadcast_and_restarted_sends_every_digest_and_repeats_only_the_batch_in_flight(  # noqa: E501
    broadcast_url: str, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds.toml"
    log = tmp_path / "briefbot.log"
    await prepare_broadcast(broadcast_url, feeds, SUBSCRIBERS)
    async with BotApiDouble(limits=LIMITS) as api:
        env = bot_env(broadcast_url, api, feeds, RATE)
        await interrupt_mid_broadcast(api, env, tmp_path, log, signal.SIGKILL)
        sent_at_kill = sum(digests_per_chat(api).values())
        in_flight = (await outbox_counts(broadcast_url))["sending"]
        await expire_claims(broadcast_url)

        second = await start_bot(env, tmp_path, log)
        try:
            counts = await wait_until_drained(broadcast_url, within=90)
        finally:
            await stop_bot(second, api)
    received = digests_per_chat(api)
    duplicates = sum(n - 1 for n in received.values() if n > 1)

    assert 0 < sent_at_kill < SUBSCRIBERS, "the kill did not land mid-broadcast"
    assert counts["sent"] == SUBSCRIBERS, log.read_text()
    assert [chat for chat in chats(SUBSCRIBERS) if not received[chat]] == [], "digests lost"
    assert duplicates <= in_flight, f"{duplicates} repeated, {in_flight} were in flight"
    assert second.returncode == 0, log.read_text()


async def test_sigterm_mid_broadcast_finishes_the_sends_in_flight_exits_cleanly_and_loses_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'briefbot.db'}"
    feeds = tmp_path / "feeds.toml"
    log = tmp_path / "briefbot.log"
    await prepare_broadcast(url, feeds, SUBSCRIBERS)
    async with BotApiDouble(limits=LIMITS) as api:
        env = bot_env(url, api, feeds, RATE)
        first = await interrupt_mid_broadcast(api, env, tmp_path, log, signal.SIGTERM)
        sent_at_stop = sum(digests_per_chat(api).values())
        at_stop = await outbox_counts(url)

        second = await start_bot(env, tmp_path, log)
        try:
            await wait_until_drained(url, within=90)
        finally:
            await stop_bot(second, api)
    received = digests_per_chat(api)

    assert first.returncode == 0, log.read_text()
    assert sent_at_stop < SUBSCRIBERS, "SIGTERM did not land mid-broadcast"
    assert at_stop["sending"] == 0, f"rows left 'sending' after a clean stop: {at_stop}"
    assert at_stop["sent"] == sent_at_stop, "what was sent before the stop was not marked sent"
    assert sorted(received) == chats(SUBSCRIBERS)
    assert set(received.values()) == {1}, "a digest was sent twice after a clean stop"
