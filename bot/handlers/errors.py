"""The one error handler: log with context, apologise briefly, never crash the bot."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import deps, send_html
from bot.texts import APOLOGY
from storage import subscribers

log = logging.getLogger(__name__)


def _describe(update: object) -> str:
    """Where the error happened, without message texts: update id, chat, command."""
    if not isinstance(update, Update):
        return "outside any update"
    chat = update.effective_chat.id if update.effective_chat else None
    message = update.effective_message
    what = "update"
    if update.callback_query:
        what = f"button {(update.callback_query.data or '')[:64]!r}"
    elif message and message.text and message.text.startswith("/"):
        what = f"command {message.text.split(maxsplit=1)[0][:40]!r}"
    elif message:
        what = "message"
    return f"update {update.update_id} ({what}) in chat {chat}"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception with its context and tell the user a short apology."""
    error = context.error
    if not isinstance(update, Update) or update.effective_chat is None:
        log.error("error %s", _describe(update), exc_info=error)
        return
    chat = update.effective_chat.id
    if isinstance(error, Forbidden):
        async with deps(context).sessions.begin() as session:
            await subscribers.mark_blocked(session, chat)
        log.info("chat %s cannot be written to (%s); marked blocked", chat, error.message)
        return
    log.error("error handling %s", _describe(update), exc_info=error)
    if update.callback_query:
        try:
            await update.callback_query.answer(APOLOGY)
        except TelegramError as exc:  # already answered, or too old to answer
            log.debug("could not answer the button in chat %s: %s", chat, exc)
    try:
        await send_html(context.bot, chat, APOLOGY)
    except TelegramError as exc:
        log.warning("could not apologise to chat %s: %s", chat, exc)
