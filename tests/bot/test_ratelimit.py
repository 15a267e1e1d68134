"""The rate limiter on virtual time: Telegram's limits, replies first, 429s kept to their chat."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Coroutine
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.delivery.limiter import MAX_IDLE_CHATS, BriefbotRateLimiter

BROADCAST = {"priority": "broadcast"}


class VirtualTime:
    """A clock and a sleep for the limiter; ``run`` advances time only when every task waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *coros: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coros]
        while True:
            for _ in range(30):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                return [t.result() if not t.exception() else t.exception() for t in tasks]
            if not self._sleepers:
                raise AssertionError("deadlock: tasks wait but nobody sleeps")
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            if not future.done():
                future.set_result(None)

    def at(self, seconds: float, coro: Coroutine[Any, Any, Any]) -> Coroutine[Any, Any, Any]:
        async def later() -> Any:
            await self.sleep(seconds - self.now)
            return await coro

        return later()


class FakeTelegram:
    """Records when each chat got a message; answers 429 where told to."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.sent: list[tuple[float, int | str, str]] = []
        self.refuse: dict[int | str, list[float]] = {}  # chat -> retry_after for its next calls

    async def send(self, chat_id: int | str, text: str) -> dict[str, Any]:
        if self.refuse.get(chat_id):
            raise RetryAfter(int(self.refuse[chat_id].pop(0)))
        self.sent.append((self.time.now, chat_id, text))
        return {"message_id": len(self.sent)}

    def times(self, chat_id: int | str) -> list[float]:
        return [t for t, c, _ in self.sent if c == chat_id]


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def telegram(time: VirtualTime) -> FakeTelegram:
    return FakeTelegram(time)


def limiter(time: VirtualTime, rate: float = 30.0, **kwargs: Any) -> BriefbotRateLimiter:
    return BriefbotRateLimiter(rate, clock=time.clock, sleep=time.sleep, **kwargs)


def send(
    rl: BriefbotRateLimiter,
    telegram: FakeTelegram,
    chat_id: int | str,
    text: str,
    args: dict[str, Any] | None = None,
) -> Coroutine[Any, Any, Any]:
    return rl.process_request(
        telegram.send,
        (),
        {"chat_id": chat_id, "text": text},
        "sendMessage",
        {"chat_id": chat_id, "text": text},
        args,
    )


async def test_a_reply_in_several_parts_to_a_private_chat_goes_one_a_second(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time)

    results = await time.run(*(send(rl, telegram, 42, f"part {i}") for i in range(4)))

    assert telegram.times(42) == [0.0, 1.0, 2.0, 3.0], "paced, never refused"
    assert not any(isinstance(r, Exception) for r in results)


async def test_a_private_burst_allowance_lets_that_many_go_at_once(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, private_burst=3)

    await time.run(*(send(rl, telegram, 42, f"m{i}") for i in range(7)))

    times = telegram.times(42)
    assert times[2] < 0.1, "three parts at once (at the overall pace)"
    assert all(c - a >= 3.0 for a, c in zip(times, times[3:], strict=False)), (
        "never more than three in any three seconds"
    )


async def test_a_group_keeps_its_limit_while_thousands_of_other_chats_come_and_go(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=1_000_000)
    await time.run(*(send(rl, telegram, -100, f"m{i}") for i in range(20)))

    chats = range(1000, 1000 + MAX_IDLE_CHATS + 2000)
    others = (send(rl, telegram, chat, "digest", BROADCAST) for chat in chats)
    await time.run(*others, send(rl, telegram, -100, "one too many"))

    assert len(telegram.sent) == 20 + len(chats) + 1
    assert telegram.times(-100)[-1] >= 60.0, "the group's window survived the sweep of idle chats"


async def test_a_group_gets_at_most_twenty_messages_a_minute(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time)

    await time.run(*(send(rl, telegram, -100, f"m{i}") for i in range(25)))

    times = telegram.times(-100)
    assert len(times) == 25
    assert times[19] < 1.0, "the first twenty go at once"
    assert all(times[i + 20] - times[i] >= 60.0 for i in range(5)), times[18:]


async def test_the_overall_rate_is_kept_across_many_chats(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=30)

    await time.run(*(send(rl, telegram, 1000 + i, "digest", BROADCAST) for i in range(300)))

    times = sorted(t for t, _, _ in telegram.sent)
    assert len(times) == 300
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30
    assert 9.5 <= times[-1] <= 10.5, "and the limit is used, not wasted"


async def test_a_reply_overtakes_every_broadcast_waiting_for_the_overall_limit(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=10)
    broadcast = [send(rl, telegram, 1000 + i, "digest", BROADCAST) for i in range(100)]

    await time.run(*broadcast, time.at(2.0, send(rl, telegram, 7, "/story 2 answer")))

    [reply_at] = telegram.times(7)
    assert 2.0 <= reply_at <= 2.1 + 1e-9
    assert max(t for t, _, _ in telegram.sent) > 9.5, "the broadcast was still going"


async def test_every_chats_first_reply_goes_before_any_chats_third(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=10)
    # Forty people whose commands are answered in three parts each, arriving over four
    # seconds as fast as the overall limit lets replies go.
    people = range(100, 140)

    async def answer(chat: int) -> None:
        await asyncio.gather(*(send(rl, telegram, chat, f"part {n}") for n in range(3)))

    crowd = [time.at((chat - 100) * 0.1 + 0.05, answer(chat)) for chat in people]

    await time.run(*crowd)

    firsts = [telegram.times(chat)[0] for chat in people]
    thirds = [telegram.times(chat)[2] for chat in people]
    assert max(firsts) < min(thirds), "the last person's first answer waited for no third"
    assert max(firsts) <= 4.05 + 0.1, "each first answer went as its person arrived"
    assert all(
        b - a >= 1.0 for chat in people for a, b in itertools.pairwise(telegram.times(chat))
    ), "each chat still one message a second"


async def test_someone_asking_during_a_crowd_overtakes_the_crowds_later_replies(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=10)
    crowd = [send(rl, telegram, 100 + i, f"part {n}") for i in range(30) for n in range(4)]

    await time.run(*crowd, time.at(4.0, send(rl, telegram, 7, "/story 1 answer")))

    [answer] = telegram.times(7)
    assert 4.0 <= answer <= 4.1 + 1e-9, "a first reply waits behind no one's second"
    assert max(t for t, _, _ in telegram.sent) > 11.0, "the crowd's replies were still going"


async def test_a_reply_to_a_chat_whose_digest_waits_for_the_overall_limit_goes_first(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=10)
    broadcast = [send(rl, telegram, 1000 + i, "digest", BROADCAST) for i in range(100)]

    await time.run(*broadcast, time.at(2.0, send(rl, telegram, 1050, "/story 2 answer")))

    reply, digest = (t for t, chat, _ in telegram.sent if chat == 1050)
    assert [text for _, chat, text in telegram.sent if chat == 1050] == [
        "/story 2 answer",
        "digest",
    ]
    assert 2.0 <= reply <= 2.1 + 1e-9, "the reply did not wait for its chat's digest"
    assert digest - reply >= 1.0, "the digest then kept the chat's pace"
    assert len(telegram.sent) == 101, "every digest sent once"


async def test_a_429_holds_back_only_that_chat_and_the_message_is_retried(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=30)
    telegram.refuse[5] = [7.0]

    results = await time.run(
        send(rl, telegram, 5, "held"), *(send(rl, telegram, 100 + i, "other") for i in range(60))
    )

    assert telegram.times(5) and telegram.times(5)[0] >= 7.0
    assert max(telegram.times(100 + i)[0] for i in range(60)) < 2.5, "nobody else froze"
    position = [chat for _, chat, _ in telegram.sent].index(5)
    assert results[0] == {"message_id": position + 1}, "the caller got the retried send's result"


async def test_a_chat_that_keeps_answering_429_gets_the_error_after_the_retries(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, max_retries=2)
    telegram.refuse[5] = [1.0, 1.0, 1.0, 1.0]

    [result] = await time.run(send(rl, telegram, 5, "never"))

    assert isinstance(result, RetryAfter)
    assert telegram.refuse[5] == [1.0], "three tries: the first and two retries"
    assert telegram.times(5) == []


async def test_429s_from_several_chats_slow_the_overall_rate_which_then_recovers(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=40, slowdown_chats=3, recovery=30.0)
    for chat in range(1, 7):
        telegram.refuse[chat] = [1.0]

    await time.run(*(send(rl, telegram, chat, "x") for chat in range(1, 7)))
    slowed = rl.current_rate()
    time.now += 31
    recovering = rl.current_rate()
    time.now += 30
    recovered = rl.current_rate()

    assert (slowed, recovering, recovered) == (10, 20, 40)
    assert all(telegram.times(chat) for chat in range(1, 7)), "every message still went out"


async def test_429s_for_chats_at_the_edge_of_their_own_pace_leave_the_overall_rate_alone(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=40, slowdown_chats=3)
    await time.run(*(send(rl, telegram, chat, "first") for chat in range(1, 7)))
    for chat in range(1, 7):  # the server counts these chats a little differently
        telegram.refuse[chat] = [1.0]

    await time.run(*(send(rl, telegram, chat, "second") for chat in range(1, 7)))

    assert rl.current_rate() == 40, "429s about single chats are not about the whole bot"
    assert all(len(telegram.times(chat)) == 2 for chat in range(1, 7))


async def test_a_long_retry_after_for_one_chat_changes_nothing_for_the_others(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=30)
    telegram.refuse[5] = [300.0]

    results = await time.run(
        send(rl, telegram, 5, "held", {"priority": "broadcast", "max_wait": 5.0}),
        *(send(rl, telegram, 100 + i, "other", BROADCAST) for i in range(90)),
    )

    assert isinstance(results[0], RetryAfter), "handed back at once, to be sent later"
    assert rl.current_rate() == 30
    assert max(telegram.times(100 + i)[0] for i in range(90)) < 3.1, "the others at full rate"


async def test_lookups_are_not_held_while_messages_are(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=1)
    calls: list[float] = []

    async def get_me() -> bool:
        calls.append(time.now)
        return True

    lookups = [rl.process_request(get_me, (), {}, "getMe", {}, None) for _ in range(3)]
    lookups += [
        rl.process_request(get_me, (), {}, "getChatMember", {"chat_id": -5, "user_id": 1}, None)
        for _ in range(3)
    ]
    await time.run(*lookups, send(rl, telegram, 9, "a"), send(rl, telegram, 9, "b"))

    assert calls == [0.0] * 6
    assert telegram.times(9) == [0.0, 1.0], "while messages to a chat are still paced"


async def test_a_stalled_process_catches_up_on_its_schedule_within_the_ceiling(
    time: VirtualTime, telegram: FakeTelegram
) -> None:
    rl = limiter(time, rate=30)

    async def stall() -> None:
        time.now += 0.2  # the event loop was busy (a garbage collection, a render)

    sends = [send(rl, telegram, 1000 + i, "digest", BROADCAST) for i in range(300)]
    await time.run(*sends, time.at(3.0, stall()))

    times = sorted(t for t, _, _ in telegram.sent)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30, "caught up within the ceiling, never over it"
    assert times[-1] < 9.97, "the stall was caught up, not lost"


class DistantTelegram(FakeTelegram):
    """Answers after ``delay`` seconds, plus ``crowding`` seconds for each request under way,
    plus up to ``jitter`` seconds more at random (the same random numbers every run)."""

    def __init__(
        self, time: VirtualTime, delay: float, crowding: float = 0.0, jitter: float = 0.0
    ) -> None:
        super().__init__(time)
        self.delay, self.crowding, self.jitter = delay, crowding, jitter
        self.under_way = self.most_under_way = 0
        self._random = random.Random(7)

    async def send(self, chat_id: int | str, text: str) -> dict[str, Any]:
        self.under_way += 1
        self.most_under_way = max(self.most_under_way, self.under_way)
        try:
            extra = self._random.uniform(0.0, self.jitter)
            await self.time.sleep(self.delay + self.crowding * self.under_way + extra)
            return await super().send(chat_id, text)
        finally:
            self.under_way -= 1


async def test_a_server_a_tenth_of_a_second_away_still_gets_the_full_rate(
    time: VirtualTime,
) -> None:
    distant = DistantTelegram(time, delay=0.1)
    rl = limiter(time, rate=300)

    await time.run(*(send(rl, distant, 1000 + i, "digest", BROADCAST) for i in range(900)))

    times = sorted(t for t, _, _ in distant.sent)
    assert len(times) == 900
    # Each request counts until a second after its answer: 300 in every 1.1 s, not 300/s.
    assert times[-1] < 3.1 * 1.1, "about 3.3 seconds for 900 at 300/s"
    assert distant.most_under_way >= 30, "as many under way as the rate needs"


async def test_a_distant_server_whose_answers_vary_still_gets_the_full_rate(
    time: VirtualTime,
) -> None:
    jittery = DistantTelegram(time, delay=0.05, jitter=0.05)  # 50 to 100 ms
    rl = limiter(time, rate=300)

    await time.run(*(send(rl, jittery, 1000 + i, "digest", BROADCAST) for i in range(900)))

    times = sorted(t for t, _, _ in jittery.sent)
    assert len(times) == 900
    assert times[-1] < 3.1 * 1.1 + 0.05, "about 3.3 seconds for 900 at 300/s"


async def test_a_server_that_slows_down_when_crowded_gets_few_requests_at_a_time(
    time: VirtualTime,
) -> None:
    crowded = DistantTelegram(time, delay=0.001, crowding=0.001)
    rl = limiter(time, rate=1_000_000)

    await time.run(*(send(rl, crowded, 1000 + i, "digest", BROADCAST) for i in range(500)))

    assert len(crowded.sent) == 500
    assert crowded.most_under_way <= 16, "not hundreds queueing at once"


class SlowReplies(DistantTelegram):
    """Digests are answered in a millisecond, replies (PTB's path) in fifty."""

    async def send(self, chat_id: int | str, text: str) -> dict[str, Any]:
        if text == "digest":
            return await super().send(chat_id, text)
        await self.time.sleep(0.05)
        return await FakeTelegram.send(self, chat_id, text)


async def test_a_crowds_replies_are_not_held_to_the_few_requests_a_broadcast_keeps_under_way(
    time: VirtualTime,
) -> None:
    telegram = SlowReplies(time, delay=0.001)
    rl = limiter(time, rate=300)
    broadcast = [send(rl, telegram, 1000 + i, "digest", BROADCAST) for i in range(900)]
    crowd = [time.at(0.5, send(rl, telegram, 5_000 + i, "welcome")) for i in range(300)]

    await time.run(*broadcast, *crowd)

    replies = sorted(t for t, chat, _ in telegram.sent if isinstance(chat, int) and chat >= 5_000)
    assert len(replies) == 300
    assert replies[-1] < 0.5 + 1.0 + 0.2, "300 replies in about a second at 300/s"
    times = sorted(t for t, _, _ in telegram.sent)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 300, "never over the ceiling"
