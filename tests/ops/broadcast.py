"""A broadcast to run `briefbot run` processes against: due subscribers, stories, counts.

``prepare_broadcast`` migrates a database and adds ``count`` subscribers whose
digest is due now (in a zone where it is about noon, digest at 11:00 local,
so the grace window never hides them), all following one topic, and a brief
with a story on that topic. ``start_bot`` starts the real command with its
log in a file (a full pipe would stall it); ``digests_per_chat`` counts what
each chat received from the double.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jobs.catalogue import prepare_database
from storage import db
from storage.models import OutboxMessage, OutboxRange, Subscriber, SubscriberTopic
from storage.states import DeliveryMode, OutboxStatus, SubscriberState
from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble
from tests.conftest import SEEDS
from tests.factories import StorySpec, add_brief

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))
FIRST_CHAT = 500_000
CHUNK = 1000  # rows per INSERT: well under SQLite's 32,766 bound parameters


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where ``now`` is between 11:00 and 14:00 local time."""
    hours_ahead = max(-12, min(14, 12 - now.hour))
    # Etc/GMT zones count the other way round: Etc/GMT-3 is three hours ahead of UTC.
    return "Etc/UTC" if hours_ahead == 0 else f"Etc/GMT{-hours_ahead:+d}"


def chats(count: int) -> list[int]:
    return list(range(FIRST_CHAT, FIRST_CHAT + count))


async def prepare_broadcast(url: str, feeds_file: Path, count: int) -> None:
    """Migrate ``url`` and add ``count`` subscribers due for a digest now, with a story each."""
    await asyncio.to_thread(feeds_file.write_text, "# no feeds: nothing is fetched\n")
    engine = db.create_engine(url)
    try:
        await prepare_database(engine, SEEDS / "topics.toml", feeds_file)
        now = datetime.now(UTC)
        zone = noon_zone(now)
        local = now.astimezone(ZoneInfo(zone))
        due_at = time(max(0, local.hour - 1), 0)
        async with db.create_sessionmaker(engine).begin() as session:
            await add_due_subscribers(session, chats(count), zone, due_at)
            await add_brief(
                session,
                now - timedelta(hours=1),
                [StorySpec("Grain corridor reopens", ["ukraine"])],
            )
    finally:
        await engine.dispose()


async def add_due_subscribers(
    session: AsyncSession, chat_ids: list[int], zone: str, due_at: time
) -> None:
    """Active digest subscribers (since 2020) following "ukraine", inserted in bulk."""
    rows = [
        {
            "chat_id": chat_id,
            "user_id": chat_id,
            "timezone": zone,
            "digest_time": due_at,
            "mode": DeliveryMode.DIGEST,
            "state": SubscriberState.ACTIVE,
            "created_at": datetime(2020, 1, 1, tzinfo=UTC),
        }
        for chat_id in chat_ids
    ]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(Subscriber), rows[start : start + CHUNK])
    await session.execute(
        insert(SubscriberTopic).from_select(
            ["subscriber_id", "topic_slug"],
            select(Subscriber.id, literal("ukraine")).where(Subscriber.chat_id.in_(chat_ids)),
        )
    )


def bot_env(url: str, api: BotApiDouble, feeds_file: Path, rate: float) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "BRIEFBOT_BOT_API_URL": api.base_url,
        "BRIEFBOT_DATABASE_URL": url,
        "BRIEFBOT_FEEDS_FILE": str(feeds_file),
        "BRIEFBOT_MAX_MESSAGES_PER_SECOND": str(rate),
    }


async def start_bot(
    env: dict[str, str], cwd: Path, log: Path, *flags: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        BRIEFBOT, "run", *flags, cwd=cwd, env=env, stderr=log.open("ab")
    )


async def stop_bot(
    process: asyncio.subprocess.Process, api: BotApiDouble, signum: int = signal.SIGTERM
) -> None:
    """Signal the bot and wait for it; a SIGTERM'd bot's long poll is answered so it stops."""
    process.send_signal(signum)
    if signum != signal.SIGKILL:
        await api.release_pollers()
    await asyncio.wait_for(process.wait(), 30)
    api._closing = False  # the next bot long-polls again


async def interrupt_mid_broadcast(
    api: BotApiDouble, env: dict[str, str], cwd: Path, log: Path, signum: int
) -> asyncio.subprocess.Process:
    """Start a bot, and send it ``signum`` once it has sent its first 20 digests."""
    process = await start_bot(env, cwd, log)
    try:
        await api.wait_for(lambda: sum(digests_per_chat(api).values()) >= 20, within=90)
    finally:
        await stop_bot(process, api, signum)
    return process


def digests_per_chat(api: BotApiDouble) -> Counter[int]:
    """How many messages the double accepted for each chat."""
    return Counter(c.chat_id for c in api.calls if c.method == "sendMessage" and c.ok)


async def outbox_counts(url: str) -> Counter[str]:
    """Outbox rows by status; planned digests no sender has taken yet count as pending."""
    engine = db.create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            counts = Counter({str(status): n for status, n in rows.all()})
            waiting = await connection.scalar(select(func.sum(OutboxRange.waiting)))
            counts["pending"] += int(waiting or 0)
            return +counts
    finally:
        await engine.dispose()


async def expire_claims(url: str) -> int:
    """Age every 'sending' claim past the lease, as if the lease had run out while down."""
    engine = db.create_engine(url)
    try:
        async with db.create_sessionmaker(engine).begin() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.SENDING)
                .values(claimed_at=datetime.now(UTC) - timedelta(hours=1))
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def wait_until_drained(url: str, within: float) -> Counter[str]:
    """Poll the outbox until nothing is pending or sending (and something was planned)."""
    async with asyncio.timeout(within):
        while True:
            counts = await outbox_counts(url)
            if counts and not counts["pending"] and not counts["sending"]:
                return counts
            await asyncio.sleep(0.2)
