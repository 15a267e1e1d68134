"""Help, the admins' /stats, and a one-line hint for anything the bot does not know."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers import routing
from bot.handlers.common import catalogue, deps, in_forum, in_group, reply, tr
from bot.render import escape
from storage.stats import collect_stats


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The list of commands (in a group with topics, with how to route them to threads)."""
    t = tr(update, context)
    text = texts.help_text(t)
    if in_forum(update):
        text += "\n\n" + t.gettext(routing.FORUM_HINT)
    await reply(update, context, text)


def _command_word(update: Update) -> str:
    message = update.effective_message
    word = (message.text or "").split(maxsplit=1)[0] if message and message.text else "/"
    return word.split("@", 1)[0][:40]


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An unknown command gets a one-line hint (in groups: only if addressed to this bot)."""
    message = update.effective_message
    if in_group(update) and message and message.text:
        addressed = message.text.split(maxsplit=1)[0].partition("@")[2]
        if addressed.lower() != (context.bot.username or "").lower():
            return
    hint = tr(update, context).gettext(texts.UNKNOWN_HINT)
    await reply(update, context, hint.format(command=escape(_command_word(update))))


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text in a private chat gets a hint (in groups the bot stays quiet)."""
    if in_group(update):
        return
    await reply(update, context, tr(update, context).gettext(texts.TEXT_HINT))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Subscribers, followers per topic, feed health and job runs, for BRIEFBOT_ADMIN_IDS."""
    d = deps(context)
    user = update.effective_user
    if user is None or user.id not in d.settings.admin_ids:
        await unknown_command(update, context)
        return
    async with d.sessions.begin() as session:
        collected = await collect_stats(session)
        _, names, _ = await catalogue(session)
    await reply(update, context, texts.stats_text(collected, names))
