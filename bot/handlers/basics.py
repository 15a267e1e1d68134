"""Help, the admins' /stats, and a one-line hint for anything the bot does not know."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.delivery.messages import html_part, send_part
from bot.handlers import routing
from bot.handlers.context import BriefbotContext, catalogue, in_forum, in_group
from bot.ui import texts
from bot.ui.render import escape
from bot.ui.texts import APOLOGY
from storage import subscribers
from storage.stats import collect_stats


async def help_command(update: Update, context: BriefbotContext) -> None:
    """The list of commands (in a group with topics, with how to route them to threads)."""
    t = context.t
    text = texts.help_text(t)
    if in_forum(update):
        text += "\n\n" + t.gettext(routing.FORUM_HINT)
    await context.reply(text)


def _command_word(update: Update) -> str:
    message = update.effective_message
    word = (message.text or "").split(maxsplit=1)[0] if message and message.text else "/"
    return word.split("@", 1)[0][:40]


async def unknown_command(update: Update, context: BriefbotContext) -> None:
    """An unknown command gets a one-line hint (in groups: only if addressed to this bot)."""
    message = update.effective_message
    if in_group(update) and message and message.text:
        addressed = message.text.split(maxsplit=1)[0].partition("@")[2]
        if addressed.lower() != (context.bot.username or "").lower():
            return
    hint = context.t.gettext(texts.UNKNOWN_HINT)
    await context.reply(hint.format(command=escape(_command_word(update))))


async def plain_text(update: Update, context: BriefbotContext) -> None:
    """Plain text in a private chat gets a hint (in groups the bot stays quiet)."""
    if in_group(update):
        return
    await context.reply(context.t.gettext(texts.TEXT_HINT))


async def stats(update: Update, context: BriefbotContext) -> None:
    """Subscribers, followers per topic, feed health and job runs, for BRIEFBOT_ADMIN_IDS."""
    user = update.effective_user
    if user is None or user.id not in context.settings.admin_ids:
        await unknown_command(update, context)
        return
    async with context.sessions.begin() as session:
        collected = await collect_stats(session)
        _, names, _ = await catalogue(session)
    await context.reply(texts.stats_text(collected, names))


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


async def on_error(update: object, context: BriefbotContext) -> None:
    """Log the exception with its context and tell the user a short apology."""
    error = context.error
    if not isinstance(update, Update) or update.effective_chat is None:
        log.error("error %s", _describe(update), exc_info=error)
        return
    chat = update.effective_chat.id
    if isinstance(error, Forbidden):
        async with context.sessions.begin() as session:
            await subscribers.mark_blocked(session, chat)
        log.info("chat %s cannot be written to (%s); marked blocked", chat, error.message)
        return
    log.error("error handling %s", _describe(update), exc_info=error)
    apology = context.t.gettext(APOLOGY)
    if update.callback_query:
        try:
            await update.callback_query.answer(apology)
        except TelegramError as exc:  # already answered, or too old to answer
            log.debug("could not answer the button in chat %s: %s", chat, exc)
    try:
        await send_part(context.bot, chat, html_part(apology))
    except TelegramError as exc:
        log.warning("could not apologise to chat %s: %s", chat, exc)
