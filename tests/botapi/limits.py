"""Telegram's flood limits as token buckets: per private chat, per group, and overall."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Sending limits; a broken one is answered with 429 and ``retry_after``.

    Defaults follow Telegram's published guidance: one message a second per
    private chat (with a small burst), twenty a minute per group, about thirty
    a second overall (paid broadcasts raise that towards 1000).
    """

    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20
    overall_per_second: float = 30.0
    overall_burst: int = 30


@dataclass
class Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0: take it now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class FloodControl:
    limits: Limits
    clock: Callable[[], float]
    chats: dict[int, Bucket] = field(default_factory=dict)
    overall: Bucket | None = None

    def _bucket(self, chat_id: int, now: float) -> Bucket:
        if chat_id not in self.chats:
            if chat_id < 0:
                rate, burst = self.limits.group_per_minute / 60, self.limits.group_burst
            else:
                rate, burst = self.limits.private_per_second, self.limits.private_burst
            self.chats[chat_id] = Bucket(rate, burst, burst, now)
        return self.chats[chat_id]

    def retry_after(self, chat_id: int) -> int:
        """0 and the message counts, or the whole seconds to wait (nothing counted)."""
        now = self.clock()
        if self.overall is None:
            burst = self.limits.overall_burst
            self.overall = Bucket(self.limits.overall_per_second, burst, burst, now)
        chat = self._bucket(chat_id, now)
        wait = max(chat.wait(now), self.overall.wait(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        chat.take()
        self.overall.take()
        return 0
