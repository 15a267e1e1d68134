"""Telegram's flood limits, strictly: counted over sliding windows, 429 beyond them.

Every limit is a ceiling in every window, not an average: a private chat gets at
most one message in any one second, a group or channel twenty in any sixty
seconds, and the bot as a whole ``overall_per_second`` in any one second. A
message beyond a limit is refused with ``retry_after`` (whole seconds until the
window has room) and does not count.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Sending limits as Telegram publishes them.

    ``private_burst`` messages in any ``private_burst`` seconds to a private chat (1:
    Telegram's one a second; more only to mirror a bot configured for a burst);
    ``group_per_minute`` in any sixty seconds to a group or channel (a negative chat
    id); ``overall_per_second`` in any one second to all chats together (about 30;
    paid broadcasts up to 1000).
    """

    private_burst: int = 1
    group_per_minute: int = 20
    overall_per_second: int = 30


@dataclass
class Window:
    """The accepted messages of the last ``period`` seconds, at most ``limit`` of them."""

    limit: int
    period: float
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """Seconds until one more message fits (0: it fits now)."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.period - now


@dataclass
class FloodControl:
    limits: Limits
    clock: Callable[[], float]
    chats: dict[int, Window] = field(default_factory=dict)
    overall: Window | None = None

    def _window(self, chat_id: int) -> Window:
        window = self.chats.get(chat_id)
        if window is None:
            if chat_id < 0:
                window = Window(self.limits.group_per_minute, 60.0)
            else:
                burst = self.limits.private_burst
                window = Window(burst, float(burst))
            self.chats[chat_id] = window
        return window

    def retry_after(self, chat_id: int) -> int:
        """0 and the message counts, or the whole seconds to wait (nothing counted)."""
        now = self.clock()
        if self.overall is None:
            self.overall = Window(self.limits.overall_per_second, 1.0)
        chat = self._window(chat_id)
        wait = max(chat.wait(now), self.overall.wait(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        chat.times.append(now)
        self.overall.times.append(now)
        return 0


def busiest_window(times: list[float], period: float = 1.0) -> int:
    """The most of ``times`` that fall within any one window of ``period`` seconds."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - period:
            start += 1
        most = max(most, end - start + 1)
    return most
