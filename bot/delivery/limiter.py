"""The bot's one rate limiter: Telegram's limits, replies before broadcasts, 429s per chat.

``BriefbotRateLimiter`` is a ``telegram.ext.BaseRateLimiter``: python-telegram-bot
hands it every Bot API request, and it decides when to make it.

- Overall: at most ``rate`` requests in any one second (BRIEFBOT_MAX_MESSAGES_PER_SECOND),
  granted at even intervals. When the schedule falls behind (the event loop was
  busy, a garbage collection paused the process, the server stalled), up to a
  quarter of a second of it is caught up at once instead of being lost, but never
  beyond the ceiling: a request counts from the moment it is granted until one
  second after its answer, and no more than ``rate`` may count at once. The server
  received it somewhere between those two moments, so however the requests were
  delayed on their way, no one-second window at the server holds more than
  ``rate``. Against a server next door that costs under 1% of the rate; against
  Telegram, a tenth of a second away, about a tenth. Time with nothing to send
  is not caught up on.
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
- Per chat: one message in any second to a private chat, twenty in any minute to a
  group (a negative chat id or an ``@channel`` name), counted over a sliding window
  from each answer, so a reply in several parts is paced, never refused.
  ``private_burst`` (BRIEFBOT_PRIVATE_BURST, 1 unless set) lets a private chat get
  that many at once, still that many in any as many seconds.
- Priority: a request is a *reply* unless it carries ``rate_limit_args={"priority":
  "broadcast"}``. Replies go ahead of every broadcast send waiting for the overall
  limit, so a person typing ``/story 2`` during a 10,000-digest broadcast waits for
  at most one interval (or for one request under way to be answered). Handlers
  need not mark anything; the outbox sender marks its sends as broadcasts.
- Fair turns among replies: when more replies wait than the overall limit lets go,
  a chat's first reply of a burst goes ahead of another chat's second, its second
  ahead of a third, and so on (in the order they came within one place). A burst
  is a chat's replies that each came within ``BURST_GAP`` seconds of the last one's
  answer. So when a thousand people write at once, everyone's first answer goes out
  before anyone's fifth, and someone asking ``/story`` during it overtakes the
  crowd's later answers.
- A broadcast send waiting for the overall limit does not hold its chat: a reply to
  that chat goes first (the send then waits for the chat's pace like any other).
- ``RetryAfter`` (HTTP 429): that chat sends nothing more until ``retry_after``
  has passed; every other chat carries on, and nothing else waits for it. Only
  429s that are evidently about the bot as a whole slow everyone: when chats that
  were well within their own pace (nothing sent to them for two of their
  intervals) are refused, three of them within ten seconds, the overall rate is
  halved (down to a floor); it doubles back every ``recovery`` seconds once they
  stop. The request is retried up to ``max_retries`` times
  (``rate_limit_args={"max_retries": n}`` overrides), then the ``RetryAfter`` is
  raised to the caller, who keeps the message for later; with
  ``rate_limit_args={"max_wait": s}`` a 429 asking for longer than ``s`` seconds is
  raised at once (the outbox sender puts such a digest back for later rather than
  hold its batch).

Only requests that put a message in a chat (send*, edit*, copy*, forward*, except
sendChatAction) are limited; getMe, answerCallbackQuery, getChatMember and the
like go straight through.
The clock and the sleep are injectable, so tests run on virtual time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.gate import Clock, OverallGate, Sleep
from jobs import metrics

log = logging.getLogger(__name__)

REPLY, BROADCAST = 0, 1  # lower goes first
GROUP_LIMIT = (20, 60.0)  # messages, seconds
MAX_IDLE_CHATS = 10_000
# A chat refused although nothing went to it for this many of its intervals: the 429 is
# about the bot as a whole, not about that chat.
CALM_INTERVALS = 2.0
# A chat's replies form one burst while each comes within this many seconds of the last
# one's answer; its place in the burst is its turn among other chats' waiting replies.
BURST_GAP = 10.0
# Requests that put a message in a chat count against the limits; lookups do not.
LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
UNLIMITED = frozenset({"sendChatAction"})

Result = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(exc: RetryAfter) -> float:
    """The wait a RetryAfter asks for, in seconds, whatever PTB's timedelta setting."""
    value: Any = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class ChatWindow:
    """The recent sends to one chat and how long Telegram told us to leave it alone."""

    limit: int
    period: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sent: deque[float] = field(default_factory=deque)
    not_before: float = 0.0
    last: float = -math.inf  # the last send's answer
    replies: int = 0  # replies answered in the chat's current burst
    replied: float = -math.inf  # the last reply's answer

    def place(self, now: float) -> int:
        """A reply's place in this chat's burst: 0 for the first (see BURST_GAP)."""
        if now - self.replied > BURST_GAP:
            self.replies = 0
        return self.replies

    def free(self, now: float) -> bool:
        """Nothing under way or waiting for this chat, and its pace allows a send now."""
        return not self.lock.locked() and self.wait(now) == 0.0

    def calm(self, now: float) -> bool:
        """Nothing went to this chat for two of its intervals: well within its pace."""
        return now - self.last >= CALM_INTERVALS * self.period / self.limit

    def wait(self, now: float) -> float:
        """Seconds until the next message to this chat may go."""
        while self.sent and self.sent[0] + self.period <= now:
            self.sent.popleft()
        wait = self.not_before - now
        if len(self.sent) >= self.limit:
            wait = max(wait, self.sent[0] + self.period - now)
        return max(wait, 0.0)

    def idle(self, now: float) -> bool:
        """Nothing to remember: forgetting the chat changes neither its pace nor its turn."""
        return self.free(now) and not self.sent and now - self.replied > BURST_GAP


class BriefbotRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Overall and per-chat limits, replies first, 429s handled per chat (see module doc)."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        private_burst: int = 1,
        max_retries: int = 3,
        slowdown_chats: int = 3,
        slowdown_window: float = 10.0,
        recovery: float = 10.0,
        min_share: float = 0.125,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (messages per second)")
        if private_burst < 1:
            raise ValueError("private_burst must be at least 1 (messages at once)")
        self.max_rate = rate
        self._private_limit = (private_burst, float(private_burst))
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
        """The overall rate now: the configured one, or less after 429s about the whole bot."""
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
            "429s from chats within their pace: overall send rate lowered to %.1f/s",
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
            limit, period = GROUP_LIMIT if group else self._private_limit
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
        max_wait = float(options.get("max_wait", math.inf))
        window = self._chat(chat_id)
        # A broadcast send to a free chat waits for the overall limit without holding the
        # chat, so that a reply to it goes first; if one did, the grant goes unused.
        granted = priority == BROADCAST and window.free(self._clock())
        if granted:
            await self._gate.acquire(priority)
            if not window.free(self._clock()):
                self._gate.release(None, priority)
                granted = False
        for attempt in range(max_retries + 1):
            async with window.lock:  # a free chat's lock is taken without a wait
                if not granted:
                    while (wait := window.wait(self._clock())) > 0:
                        await self._sleep(wait)
                    rank = window.place(self._clock()) if priority == REPLY else 0
                    await self._gate.acquire(priority, rank)
                granted = False
                began = self._clock()
                calm = window.calm(began)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    metrics.rate_limited.inc()
                    now = self._clock()
                    window.not_before = max(window.not_before, now + retry_seconds(exc))
                    if calm:
                        self._note_429(chat_id, now)
                    log.info(
                        "429 on %s to chat %s: waiting %.1f s (attempt %d of %d)",
                        endpoint,
                        chat_id,
                        retry_seconds(exc),
                        attempt + 1,
                        max_retries + 1,
                    )
                    if attempt == max_retries or retry_seconds(exc) > max_wait:
                        raise
                finally:
                    ended = self._clock()
                    self._gate.release(ended - began, priority)
                    window.sent.append(ended)
                    window.last = ended
                    if priority == REPLY:
                        window.replies += 1
                        window.replied = ended
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
