"""The outbox drain against the Bot API double: digests arrive once, failures are handled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ExtBot

from bot.delivery.limiter import BriefbotRateLimiter
from bot.delivery.sender import DrainReport, OutboxSender
from jobs.catalogue import prepare_database
from jobs.plan import plan_due_digests
from storage import db, subscribers
from storage.models import Digest, OutboxMessage, Subscriber
from storage.states import OutboxStatus, SubscriberState
from tests.botapi import BotApiDouble
from tests.conftest import SEEDS
from tests.factories import StorySpec, add_brief, add_subscriber, take_all_planned

TOKEN = "123456789:TEST-token-for-the-double-0123456789"
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
MORNING = datetime(2026, 2, 12, 7, 30, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = MORNING

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Setup:
    api: BotApiDouble
    bot: ExtBot[None]
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    def sender(self) -> OutboxSender:
        return OutboxSender(self.bot, self.sessions, clock=self.clock, worker_id="test")

    async def plan(self) -> None:
        async with self.sessions.begin() as session:
            await plan_due_digests(
                session, self.clock.now, lookback=timedelta(hours=48), max_stories=10
            )

    async def rows(self) -> list[OutboxMessage]:
        """Every outbox row, planned digests no sender has taken yet among them."""
        async with self.sessions.begin() as session:
            await take_all_planned(session)
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def subscriber(self, chat_id: int) -> Subscriber | None:
        async with self.sessions() as session:
            return (
                await session.scalars(select(Subscriber).where(Subscriber.chat_id == chat_id))
            ).one_or_none()


@pytest.fixture
async def setup(empty_database_url: str) -> AsyncIterator[Setup]:
    engine = db.create_engine(empty_database_url)
    await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
    sessions = db.create_sessionmaker(engine)
    async with BotApiDouble() as api:
        bot: ExtBot[None] = ExtBot(
            TOKEN, base_url=api.base_url, rate_limiter=BriefbotRateLimiter(100, max_retries=0)
        )
        await bot.initialize()
        try:
            yield Setup(api, bot, sessions, Clock())
        finally:
            await bot.shutdown()
    await engine.dispose()


async def subscribe_and_publish(setup: Setup, *chat_ids: int) -> None:
    async with setup.sessions.begin() as session:
        for chat_id in chat_ids:
            await add_subscriber(session, chat_id, created_at=LONG_AGO, topics=["gaza"])
        await add_brief(
            session,
            MORNING - timedelta(hours=2),
            [StorySpec("Gaza ceasefire holds", ["gaza"]), StorySpec("Tariffs", ["trade"])],
        )


async def test_each_subscriber_gets_one_digest_message_with_their_story_and_buttons(
    setup: Setup,
) -> None:
    await subscribe_and_publish(setup, 101, 102)
    await setup.plan()

    first = await setup.sender().drain()
    again = await setup.sender().drain()

    assert (first.sent, again.sent) == (2, 0)
    for chat_id in (101, 102):
        [message] = setup.api.sent_to(chat_id)
        assert "Gaza ceasefire holds" in message.text and "Tariffs" not in message.text
        assert [label for label, _ in message.buttons()] == ["📖 1", "🔇 1"]
    rows = await setup.rows()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert all(r.telegram_message_id for r in rows)


async def test_a_person_who_blocked_the_bot_is_marked_blocked_and_not_retried(
    setup: Setup,
) -> None:
    await subscribe_and_publish(setup, 201, 202)
    await setup.api.bot_blocked(201)
    await setup.plan()

    report = await setup.sender().drain()

    assert (report.sent, report.failed, report.blocked) == (1, 1, 1)
    blocked = await setup.subscriber(201)
    assert blocked is not None and blocked.state is SubscriberState.BLOCKED
    [failed] = [r for r in await setup.rows() if r.chat_id == 201]
    assert failed.status is OutboxStatus.FAILED and "blocked" in (failed.last_error or "")


async def test_a_group_that_became_a_supergroup_gets_its_digest_at_the_new_id(
    setup: Setup,
) -> None:
    await subscribe_and_publish(setup, -301)
    setup.api.migrate_group(-301, -100301)
    await setup.plan()

    report = await setup.sender().drain()

    assert (report.migrated, report.sent) == (1, 1)
    assert setup.api.sent_to(-301) == []
    assert len(setup.api.sent_to(-100301)) == 1
    moved = await setup.subscriber(-100301)
    assert moved is not None


async def test_a_server_error_is_retried_with_back_off_and_then_sent(setup: Setup) -> None:
    await subscribe_and_publish(setup, 401)
    await setup.plan()
    setup.api.fail_next("sendMessage", 502, "Bad Gateway")

    first = await setup.sender().drain()
    too_soon = await setup.sender().drain()
    setup.clock.now += timedelta(seconds=31)
    later = await setup.sender().drain()

    assert (first.retried, too_soon.sent, later.sent) == (1, 0, 1)
    [row] = await setup.rows()
    assert row.status is OutboxStatus.SENT and row.attempts == 2
    assert len(setup.api.sent_to(401)) == 1


async def test_a_digest_telegram_cannot_parse_arrives_as_plain_text_with_its_buttons(
    setup: Setup,
) -> None:
    await subscribe_and_publish(setup, 451)
    await setup.plan()
    setup.api.fail_next("sendMessage", 400, "Bad Request: can't parse entities: Unexpected end")

    report = await setup.sender().drain()

    assert (report.sent, report.failed) == (1, 0)
    [message] = setup.api.sent_to(451)
    assert "Gaza ceasefire holds" in message.text
    assert message.html == message.text  # sent without parse mode
    assert [label for label, _ in message.buttons()] == ["📖 1", "🔇 1"]


async def test_a_flood_limit_is_waited_out_and_nothing_is_lost(setup: Setup) -> None:
    await subscribe_and_publish(setup, 501)
    await setup.plan()
    setup.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    first = await setup.sender().drain()
    [row] = await setup.rows()
    setup.clock.now += timedelta(seconds=1)
    later = await setup.sender().drain()

    assert first.retried == 1
    assert row.next_attempt_at == MORNING + timedelta(seconds=1)
    assert later.sent == 1 and len(setup.api.sent_to(501)) == 1


async def test_a_long_retry_after_for_one_chat_puts_its_digest_back_and_sends_the_rest(
    setup: Setup,
) -> None:
    others = list(range(1001, 1031))
    await subscribe_and_publish(setup, 701, *others)
    await setup.plan()
    setup.api.flood_chat(701, 300)
    patient: ExtBot[None] = ExtBot(TOKEN, base_url=setup.api.base_url,
                                   rate_limiter=BriefbotRateLimiter(100))  # fmt: skip
    await patient.initialize()
    try:
        began = asyncio.get_running_loop().time()
        report = await OutboxSender(patient, setup.sessions, clock=setup.clock).drain()
        took = asyncio.get_running_loop().time() - began
    finally:
        await patient.shutdown()

    assert (report.sent, report.retried) == (30, 1)
    assert took < 5.0, "nobody waited for the chat told to wait 300 s"
    [held] = [r for r in await setup.rows() if r.chat_id == 701]
    assert held.status is OutboxStatus.PENDING
    assert held.next_attempt_at == MORNING + timedelta(seconds=300)


async def test_a_message_that_keeps_failing_is_given_up_with_the_reason(setup: Setup) -> None:
    await subscribe_and_publish(setup, 601)
    await setup.plan()
    sender = setup.sender()
    sender.max_attempts = 2
    for _ in range(2):
        setup.api.fail_next("sendMessage", 500, "Internal Server Error")

    await sender.drain()
    setup.clock.now += timedelta(minutes=5)
    final = await sender.drain()

    assert final.failed == 1
    [row] = await setup.rows()
    assert row.status is OutboxStatus.FAILED and "gave up after 2 attempts" in (
        row.last_error or ""
    )
    assert setup.api.sent_to(601) == []


async def test_stopping_finishes_the_batch_in_flight_and_leaves_the_rest_pending(
    setup: Setup,
) -> None:
    await subscribe_and_publish(setup, *range(701, 711))
    await setup.plan()
    sender = setup.sender()
    sender.batch_size = 4

    async def stop_after_first_batch() -> None:
        await setup.api.wait_for(lambda: len(setup.api.calls_to("sendMessage")) >= 1)
        sender.stop()

    report, _ = await asyncio.gather(sender.drain(), stop_after_first_batch())

    statuses = [r.status for r in await setup.rows()]
    assert report.sent == 4 == statuses.count(OutboxStatus.SENT)
    assert statuses.count(OutboxStatus.PENDING) == 6, "nothing lost, nothing half-claimed"


async def test_a_broadcast_of_many_batches_sends_each_digest_once_with_at_most_two_batches_claimed(
    setup: Setup,
) -> None:
    chats = range(801, 831)
    await subscribe_and_publish(setup, *chats)
    await setup.plan()
    sender = setup.sender()
    sender.batch_size = 4
    claimed: list[int] = []

    async def watch_claims(drain: asyncio.Task[DrainReport]) -> None:
        while not drain.done():
            async with setup.sessions() as session:
                claimed.append(
                    await session.scalar(
                        select(func.count()).where(OutboxMessage.status == OutboxStatus.SENDING)
                    )
                    or 0
                )
            await asyncio.sleep(0.005)

    drain = asyncio.create_task(sender.drain())
    await watch_claims(drain)
    report = await drain

    assert report.sent == 30
    assert [len(setup.api.sent_to(chat)) for chat in chats] == [1] * 30
    assert {r.status for r in await setup.rows()} == {OutboxStatus.SENT}
    assert max(claimed) <= 8, "the batch sending and the next one, no more"


async def test_a_digest_is_written_in_the_subscribers_language(setup: Setup) -> None:
    await subscribe_and_publish(setup, 111, 112)
    async with setup.sessions.begin() as session:
        await subscribers.set_language(session, 112, "uk")
    await setup.plan()

    await setup.sender().drain()

    [english] = setup.api.sent_to(111)
    [ukrainian] = setup.api.sent_to(112)
    assert english.text.startswith("📰 Your digest · Thursday 12 February · 1 story")
    assert ukrainian.text.startswith("📰 Ваш дайджест · четвер 12 лютого · 1 новина")
    assert "Gaza ceasefire holds" in ukrainian.text  # feed text is never translated


async def test_digests_of_one_shared_list_read_alike_and_each_button_opens_its_own_digest(
    setup: Setup,
) -> None:
    await subscribe_and_publish(setup, 121, 122, 123)
    async with setup.sessions.begin() as session:
        await subscribers.set_language(session, 123, "uk")
    await setup.plan()

    await setup.sender().drain()

    async with setup.sessions() as session:
        found = await session.execute(
            select(Subscriber.chat_id, Digest.id, Digest.list_id).join(
                Digest, Digest.subscriber_id == Subscriber.id
            )
        )
        digests = {chat: (digest, list_id) for chat, digest, list_id in found}
    assert len({list_id for _, list_id in digests.values()}) == 1, "one list for all three"
    first, second, ukrainian = (setup.api.sent_to(chat)[0] for chat in (121, 122, 123))
    assert first.text == second.text
    assert ukrainian.text.startswith("📰 Ваш дайджест")
    for chat, message in ((121, first), (122, second), (123, ukrainian)):
        digest_id = digests[chat][0]
        assert [data for _, data in message.buttons()] == [f"1|s|{digest_id}|1",
                                                           f"1|mq|{digest_id}|1"]  # fmt: skip
