"""Updates of different chats handled at once, those of one chat in the order they came.

``PerChatUpdateProcessor`` is a ``telegram.ext.BaseUpdateProcessor``: python-telegram-bot
hands it every update with the coroutine that handles it. A chat with nothing under way
starts its update at once; an update for a chat that is busy waits in that chat's queue,
taking no slot, and runs when the chat's earlier updates are done. So a handler that
waits (for its chat's rate slot, a retry_after, the database) holds back only its own
chat. At most ``max_concurrent_updates`` chats are handled at once; the rest wait for a
slot in the order they came. Updates without a chat or a user (a poll's state) run on
their own. Each update runs with its place in its chat's burst (``turns.PLACE``: 0 for
a chat's first update in a while, counted like the limiter's replies), by which commands
take turns at the database.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.delivery.limiter import BURST_GAP, MAX_IDLE_CHATS
from bot.runtime.turns import PLACE

log = logging.getLogger(__name__)

# A chat holds its slot until its last queued update is done, and a chat that is answered
# at Telegram's pace (one message a second) holds it for seconds: the bound must cover
# everyone who writes within a few seconds, or the rest wait for a chat's pace, not theirs.
DEFAULT_CONCURRENT_CHATS = 4096


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within one chat (see the module doc)."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENT_CHATS) -> None:
        super().__init__(max_concurrent_updates)
        # A busy chat's updates still to run; a chat is busy while it has an entry here.
        self._queues: dict[int, deque[Awaitable[Any]]] = {}
        # A chat's updates in its current burst, and when the last one ended.
        self._bursts: dict[int, tuple[int, float]] = {}
        self._sweep_above = MAX_IDLE_CHATS

    @property
    def busy_chats(self) -> int:
        return len(self._queues)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update now if its chat is idle; else queue it behind that chat's."""
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        queue = self._queues.get(key)
        if queue is not None:  # the chat's earlier update is under way: run after it
            queue.append(coroutine)
            return
        queue = self._queues[key] = deque([coroutine])
        try:
            while queue:
                PLACE.set(self._place(key))
                try:
                    await queue[0]
                except Exception:  # PTB handles errors itself; never drop the chat's others
                    log.exception("an update of chat %s failed", key)
                finally:
                    queue.popleft()
                    self._bursts[key] = (PLACE.get() + 1, time.monotonic())
        finally:
            del self._queues[key]
            for left in queue:  # cancelled (shutting down): close what never ran
                close = getattr(left, "close", None)
                if close is not None:
                    close()

    def _place(self, key: int) -> int:
        """The update's place in its chat's burst: 0 after BURST_GAP seconds without one."""
        now = time.monotonic()
        if len(self._bursts) > self._sweep_above:
            for chat in [c for c, (_, last) in self._bursts.items() if now - last > BURST_GAP]:
                del self._bursts[chat]
            self._sweep_above = max(MAX_IDLE_CHATS, 2 * len(self._bursts))
        count, last = self._bursts.get(key, (0, -math.inf))
        return count if now - last <= BURST_GAP else 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: each chat's queue ends with its last update."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
