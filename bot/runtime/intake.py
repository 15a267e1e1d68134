"""What every update passes before any command: handled at most once, with a chat,
and in text that can be read.

Telegram sends an update again when the answer to a webhook POST was slow,
and a poller that lost its offset reads updates again. The first handler
group records the id in ``seen_updates`` (a primary key decides, also
between processes); a copy seen before, or an update whose message has no
chat, stops there and reaches no command. A message whose text holds a lone
surrogate (which can be neither stored nor sent back) gets one line saying
so and reaches no command either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.ui.i18n import translator
from bot.ui.wording import UNREADABLE, lone_surrogates
from storage import updates
from storage.types import utcnow

log = logging.getLogger(__name__)

PRUNE_EVERY = 1000  # updates between two prunes of the table


def once_per_update(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[object, Any], Coroutine[Any, Any, None]]:
    """The callback of the first handler group: record the update, or stop it."""
    seen = 0

    async def check(update: object, context: Any) -> None:
        nonlocal seen
        if not isinstance(update, Update):
            return
        if update.effective_message is not None and update.effective_chat is None:
            log.warning("update %d has a message without a chat; ignored", update.update_id)
            raise ApplicationHandlerStop
        now = utcnow()
        async with sessions.begin() as session:
            first = await updates.first_sight(session, update.update_id, now)
            seen += 1
            if seen % PRUNE_EVERY == 0:
                await updates.prune(session, now)
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
