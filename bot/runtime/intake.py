"""What every update passes before any command: handled at most once, with a chat,
and in text that can be read.

Telegram sends an update again when the answer to a webhook POST was slow,
and a poller that lost its offset reads updates again. The first handler
group records the id in ``seen_updates`` (a primary key decides, also
between processes) before any command sees the update; the ids of updates that
arrive while the database is busy are recorded together, in one statement of one
transaction, so a crowd's updates take a few transactions, not one each. A copy
seen before, or an update whose message has no
chat, stops there and reaches no command. A message whose text holds a lone
surrogate (which can be neither stored nor sent back) gets one line saying
so and reaches no command either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.runtime.turns import PLACE
from bot.ui.i18n import translator
from bot.ui.wording import UNREADABLE, lone_surrogates
from storage import updates
from storage.types import utcnow

log = logging.getLogger(__name__)

PRUNE_EVERY = 1000  # updates between two prunes of the table
MOST_AT_ONCE = 1000  # ids in one statement (two parameters each; the databases allow 32,766)


class Sightings:
    """Records update ids, those that arrive together in one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.transactions = 0
        self._seen = 0
        self._waiting: list[tuple[int, asyncio.Future[bool]]] = []
        self._recording: asyncio.Task[None] | None = None

    async def first_sight(self, update_id: int) -> bool:
        """Record ``update_id``; True if no one recorded it before."""
        answer = asyncio.get_running_loop().create_future()
        self._waiting.append((update_id, answer))
        if self._recording is None:
            self._recording = asyncio.create_task(self._record())
        return await answer

    async def _record(self) -> None:
        # Every waiting update's first step: it takes its turns at the database as a
        # chat's first update would, whichever update started it.
        PLACE.set(0)
        batch: list[tuple[int, asyncio.Future[bool]]] = []
        try:
            while self._waiting:
                batch, self._waiting = (
                    self._waiting[:MOST_AT_ONCE],
                    self._waiting[MOST_AT_ONCE:],
                )
                try:
                    new = await self._insert({update_id for update_id, _ in batch})
                except Exception as exc:  # every update of the batch fails as it would alone
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                    continue
                for update_id, answer in batch:  # the same id twice at once: the first copy
                    if not answer.done():
                        answer.set_result(update_id in new)
                    new.discard(update_id)
        finally:
            self._recording = None
            for _, answer in batch + self._waiting:  # cancelled (shutting down)
                if not answer.done():
                    answer.cancel()

    async def _insert(self, update_ids: set[int]) -> set[int]:
        now = utcnow()
        async with self.sessions.begin() as session:
            new = await updates.first_sightings(session, update_ids, now)
            before, self._seen = self._seen, self._seen + len(update_ids)
            if before // PRUNE_EVERY != self._seen // PRUNE_EVERY:
                await updates.prune(session, now)
        self.transactions += 1
        return new


def once_per_update(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[object, Any], Coroutine[Any, Any, None]]:
    """The callback of the first handler group: record the update, or stop it."""
    sightings = Sightings(sessions)

    async def check(update: object, context: Any) -> None:
        if not isinstance(update, Update):
            return
        if update.effective_message is not None and update.effective_chat is None:
            log.warning("update %d has a message without a chat; ignored", update.update_id)
            raise ApplicationHandlerStop
        first = await sightings.first_sight(update.update_id)
        if not first:
            log.info("update %d arrived again; it was handled once already", update.update_id)
            raise ApplicationHandlerStop
        message = update.effective_message
        if message is not None and lone_surrogates([message.text or "", message.caption or ""]):
            log.info(
                "update %d: text with a lone surrogate, answered in one line", update.update_id
            )
            user = update.effective_user
            text = translator(user.language_code if user else None).gettext(UNREADABLE)
            thread = message.message_thread_id if message.is_topic_message else None
            await context.bot.send_message(message.chat.id, text, message_thread_id=thread)
            raise ApplicationHandlerStop

    return check
