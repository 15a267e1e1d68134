"""The bot's one rate limiter: Telegram's limits, replies before broadcasts, 429s per chat.

``BriefbotRateLimiter`` is a ``telegram.ext.BaseRateLimiter``: python-telegram-bot
hands it every Bot API request, and it decides when to make it.

- Overall: at most ``rate`` requests a second to any chat (BRIEFBOT_MAX_MESSAGES_PER_SECOND),
  granted at even intervals. When the schedule falls behind (the event loop was
  busy, a garbage collection paused the process, the server stalled), up to a
  quarter of a second of it is caught up at once instead of being lost, so no
  second gets more than ``rate`` plus a quarter of it, and the long-run rate is
  never above ``rate``. Time with nothing to send is not caught up on.
- In flight: only so many limited requests are under way at once. The number
  grows while answers come back about as fast as the fastest answer of the last
  few seconds (within a tenth), holds while they are somewhat slower, and
  shrinks when they take twice as long, which is when requests queue in the
  server or in the HTTP client (whose connection pool then does more work for
  each request than the requests themselves, the more connections it holds).
  It starts at two. Against Telegram, a hundred milliseconds away, it grows
  within a few round trips to what the rate needs; against a server next door
  it stays at two or three, which keeps both sides busy without queueing.
  Answers that vary by up to twice the fastest still let it grow to the rate;
  answers spread wider (say 50 to 150 ms) hold it lower than the rate needs.
- Per chat: one message a second to a private chat (three in any three seconds,
  so a reply split into parts is not held back), twenty a minute to a group
  (a negative chat id or an ``@channel`` name), counted over a sliding window.
- Priority: a request is a *reply* unless it carries ``rate_limit_args={"priority":
  "broadcast"}``. Replies go ahead of every broadcast send waiting for the overall
  limit, so a person typing ``/story 2`` during a 10,000-digest broadcast waits for
  at most one interval (or for one request under way to be answered). Handlers
  need not mark anything; the outbox sender marks its sends as broadcasts.
- ``RetryAfter`` (HTTP 429): that chat sends nothing more until ``retry_after``
  has passed; every other chat carries on. When 429s come from several chats
  within a short window, the overall rate is halved (down to a floor) and
  doubles back step by step once the 429s stop. The request is retried up to
  ``max_retries`` times (``rate_limit_args={"max_retries": n}`` overrides), then
  the ``RetryAfter`` is raised to the caller, who keeps the message for later.

Only requests that put a message in a chat (send*, edit*, copy*, forward*, except
sendChatAction) are limited; getMe, answerCallbackQuery, getChatMember and the
like go straight through.
The clock and the sleep are injectable, so tests run on virtual time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from jobs import metrics

log = logging.getLogger(__name__)

REPLY, BROADCAST = 0, 1  # lower goes first
# One a second on average; a reply split into up to three messages goes out at once.
PRIVATE_LIMIT = (3, 3.0)  # messages, seconds
GROUP_LIMIT = (20, 60.0)
MAX_IDLE_CHATS = 10_000
# How far behind its schedule the overall pace may catch up (a busy event loop, a
# garbage collection, a slow answer): any second gets at most this much over the rate.
CATCH_UP_SECONDS = 0.25
EPSILON = 1e-9
# Requests in flight: never more than PTB's connection pool holds, and never fewer than
# two, so that the next request is being made while one is answered. Against a server next
# door, more than a few only queue: every request then costs the process more work.
IN_FLIGHT_LOW, IN_FLIGHT_HIGH = 2, 256
FAST_ANSWER = 1.1  # an answer at most this many times the fastest recent one: room for more
SLOW_ANSWER = 2.0  # an answer this many times slower than the fastest recent one: queueing
FASTEST_PERIOD = 10.0  # seconds over which the fastest answer is remembered
# Requests that put a message in a chat count against the limits; lookups do not.
LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
UNLIMITED = frozenset({"sendChatAction"})

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Result = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(exc: RetryAfter) -> float:
    """The wait a RetryAfter asks for, in seconds, whatever PTB's timedelta setting."""
    value: Any = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class InFlight:
    """How many requests are under way and how many may be (see the module doc)."""

    def __init__(self, low: int = IN_FLIGHT_LOW, high: int = IN_FLIGHT_HIGH) -> None:
        self.low, self.high = low, high
        self.limit = float(low)
        self.count = 0
        self._fastest = [math.inf, math.inf]  # this period's fastest answer, the last period's
        self._period_ends = -math.inf

    @property
    def full(self) -> bool:
        return self.count >= int(self.limit)

    def answered(self, seconds: float, now: float) -> None:
        """A request took ``seconds``: one more under way if it was about as fast as the
        fastest, one fewer if it took twice as long."""
        if now >= self._period_ends:
            self._fastest = [math.inf, self._fastest[0]]
            self._period_ends = now + FASTEST_PERIOD
        self._fastest[0] = min(self._fastest[0], seconds)
        fastest = min(self._fastest)
        if seconds <= FAST_ANSWER * fastest:
            self.limit = min(float(self.high), self.limit + 1)
        elif seconds > SLOW_ANSWER * fastest:
            self.limit = max(float(self.low), self.limit - 1)


class OverallGate:
    """Grants sends at ``rate()`` per second, most urgent waiter first, while fewer than
    the in-flight limit are under way; ``release`` after each granted request."""

    def __init__(self, rate: Callable[[], float], clock: Clock, sleep: Sleep) -> None:
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._next = 0.0
        self.in_flight = InFlight()
        self._freed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, priority: int) -> None:
        if not self._waiters and not self.in_flight.full:
            now = self._clock()
            if self._next - now <= EPSILON:  # nobody waits and the slot is here: go now
                self._grant(now, catch_up=0.0)
                return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._dispatch())
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted, then cancelled: unused
                self.release(None)
            raise

    def release(self, seconds: float | None) -> None:
        """A granted request is over (``seconds``: how long it took; None: never made)."""
        self.in_flight.count -= 1
        if seconds is not None:
            self.in_flight.answered(seconds, self._clock())
        if self._freed is not None:
            self._freed.set()

    def _pump(self) -> float | None:
        """Grant waiters, most urgent first, while the schedule and the in-flight limit
        allow; the seconds until the next slot, or None when nobody waits or the limit
        is reached."""
        while self._waiters and not self.in_flight.full:
            now = self._clock()
            if self._next - now > EPSILON:
                return self._next - now
            _, _, future = heapq.heappop(self._waiters)
            if future.done():  # the waiter was cancelled
                continue
            self._grant(now, catch_up=CATCH_UP_SECONDS)
            future.set_result(None)
        return None

    async def _dispatch(self) -> None:
        self._next = max(self._next, self._clock())  # idle time is not caught up on
        while self._waiters:
            wait = self._pump()
            if wait is not None:
                await self._sleep(wait)
            elif self._waiters:  # as many under way as may be: wait for one to end
                if self._freed is None:
                    self._freed = asyncio.Event()
                self._freed.clear()
                await self._freed.wait()

    def _grant(self, now: float, catch_up: float) -> None:
        """Count a send as under way and move the schedule on by one interval; a schedule
        behind ``now`` stays behind by at most ``catch_up`` (or one interval), which the
        next grants make up at once."""
        self.in_flight.count += 1
        interval = 1.0 / self._rate()
        self._next = max(self._next, now - max(interval, catch_up)) + interval

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for _, _, future in self._waiters:
            future.cancel()
        self._waiters.clear()


@dataclass
class ChatWindow:
    """The recent sends to one chat and how long Telegram told us to leave it alone."""

    limit: int
    period: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sent: deque[float] = field(default_factory=deque)
    not_before: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until the next message to this chat may go."""
        while self.sent and self.sent[0] + self.period <= now:
            self.sent.popleft()
        wait = self.not_before - now
        if len(self.sent) >= self.limit:
            wait = max(wait, self.sent[0] + self.period - now)
        return max(wait, 0.0)

    def idle(self, now: float) -> bool:
        return not self.lock.locked() and self.wait(now) == 0.0 and not self.sent


class BriefbotRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Overall and per-chat limits, replies first, 429s handled per chat (see module doc)."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        max_retries: int = 3,
        slowdown_chats: int = 3,
        slowdown_window: float = 10.0,
        recovery: float = 30.0,
        min_share: float = 0.125,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (messages per second)")
        self.max_rate = rate
        self.max_retries = max_retries
        self._slowdown_chats = slowdown_chats
        self._slowdown_window = slowdown_window
        self._recovery = recovery
        self._min_share = min_share
        self._share = 1.0
        self._recover_at = 0.0
        self._recent_429s: deque[tuple[float, int | str]] = deque()
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[int | str, ChatWindow] = {}
        self._sweep_above = MAX_IDLE_CHATS
        self._gate = OverallGate(self.current_rate, clock, sleep)

    async def initialize(self) -> None:
        """Nothing to set up: the dispatcher starts with the first request."""

    async def shutdown(self) -> None:
        await self._gate.close()

    def current_rate(self) -> float:
        """The overall rate now: the configured one, or less after 429s from several chats."""
        now = self._clock()
        while self._share < 1.0 and now >= self._recover_at:
            self._share = min(1.0, self._share * 2)
            self._recover_at += self._recovery
            log.info("overall send rate back up to %.1f/s", self.max_rate * self._share)
        return self.max_rate * self._share

    def _note_429(self, chat: int | str, now: float) -> None:
        self._recent_429s.append((now, chat))
        while self._recent_429s[0][0] < now - self._slowdown_window:
            self._recent_429s.popleft()
        if len({c for _, c in self._recent_429s}) < self._slowdown_chats:
            return
        self._recent_429s.clear()
        self._share = max(self._min_share, self._share / 2)
        self._recover_at = now + self._recovery
        log.warning(
            "429s from several chats: overall send rate lowered to %.1f/s",
            self.max_rate * self._share,
        )

    def _chat(self, chat_id: int | str) -> ChatWindow:
        window = self._chats.get(chat_id)
        if window is None:
            if len(self._chats) > self._sweep_above:
                now = self._clock()
                for key in [k for k, w in self._chats.items() if w.idle(now)]:
                    del self._chats[key]
                # Chats still busy stay; sweep again once as many new ones have come.
                self._sweep_above = max(MAX_IDLE_CHATS, 2 * len(self._chats))
            group = isinstance(chat_id, str) or chat_id < 0
            limit, period = GROUP_LIMIT if group else PRIVATE_LIMIT
            window = self._chats[chat_id] = ChatWindow(limit, period)
        return window

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        chat_id = _chat_key(data.get("chat_id"))
        if chat_id is None or not endpoint.startswith(LIMITED_PREFIXES) or endpoint in UNLIMITED:
            return await callback(*args, **kwargs)
        options = rate_limit_args or {}
        priority = BROADCAST if options.get("priority") == "broadcast" else REPLY
        max_retries = int(options.get("max_retries", self.max_retries))
        window = self._chat(chat_id)
        for attempt in range(max_retries + 1):
            async with window.lock:
                while (wait := window.wait(self._clock())) > 0:
                    await self._sleep(wait)
                await self._gate.acquire(priority)
                began = self._clock()
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    metrics.rate_limited.inc()
                    now = self._clock()
                    window.not_before = max(window.not_before, now + retry_seconds(exc))
                    self._note_429(chat_id, now)
                    log.info(
                        "429 on %s to chat %s: waiting %.1f s (attempt %d of %d)",
                        endpoint,
                        chat_id,
                        retry_seconds(exc),
                        attempt + 1,
                        max_retries + 1,
                    )
                    if attempt == max_retries:
                        raise
                finally:
                    ended = self._clock()
                    self._gate.release(ended - began)
                    window.sent.append(ended)
        raise AssertionError("unreachable")  # pragma: no cover


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)
