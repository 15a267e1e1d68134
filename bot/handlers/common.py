"""What every handler shares: its dependencies, the reader's language, replying safely,
and group-admin checks."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    ChatMember,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.delivery.messages import edit_text, html_part, send_part
from bot.settings import Settings
from bot.ui.i18n import Translator, translator
from bot.ui.texts import GROUP_ADMINS_ONLY
from storage import subscribers
from storage import topics as topic_store
from storage.models import Topic

log = logging.getLogger(__name__)

# Replies wait out a short flood limit; longer ones are left to the error handler.
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
LANGUAGE = "language"  # chat_data key: the subscriber's stored language (None: not set)


@dataclass(frozen=True)
class Deps:
    """What handlers need, stored once in ``bot_data`` by build_application."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    aliases: dict[str, str] = field(default_factory=dict)
    # topic names in other languages from the topics file: slug -> {"uk": "Україна"}
    topic_names: dict[str, dict[str, str]] = field(default_factory=dict)


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    value = context.bot_data["deps"]
    assert isinstance(value, Deps)
    return value


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def remember_language(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before any handler: look up the chat's stored language once and keep it in chat_data."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if context.chat_data is None or LANGUAGE in context.chat_data:
        return
    async with deps(context).sessions.begin() as session:
        subscriber = await subscribers.get_subscriber(session, update.effective_chat.id)
    if subscriber is not None:  # a chat that never sent /start is looked up again next time
        context.chat_data[LANGUAGE] = subscriber.language


def set_language(context: ContextTypes.DEFAULT_TYPE, language: str | None) -> None:
    """Remember the chat's language after /start, /language or /forget changed it."""
    if context.chat_data is not None:
        context.chat_data[LANGUAGE] = language


def tr(update: object, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The reader's translator: the language stored for the chat, else their Telegram one."""
    stored = context.chat_data.get(LANGUAGE) if context.chat_data is not None else None
    user = update.effective_user if isinstance(update, Update) else None
    return translator(stored or (user.language_code if user else None))


def names_and_emojis(
    topics: Sequence[Topic],
    local: Mapping[str, Mapping[str, str]] | None = None,
    language: str = "",
) -> tuple[dict[str, str], dict[str, str]]:
    """Topic display names ("🇺🇦 Ukraine", or "🇺🇦 Україна" with ``local`` names for
    ``language``) and emojis by slug, in catalogue order."""
    local = local or {}
    names = {
        t.slug: f"{t.emoji} {local.get(t.slug, {}).get(language, t.name)}".strip() for t in topics
    }
    return names, {t.slug: t.emoji for t in topics}


def local_names(update: object, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    """Topic names (without emoji) in the reader's language, where the topics file has one."""
    language = tr(update, context).language
    named = deps(context).topic_names.items()
    return {slug: names[language] for slug, names in named if language in names}


async def catalogue(
    session: AsyncSession,
    update: object = None,
    context: ContextTypes.DEFAULT_TYPE | None = None,
) -> tuple[list[Topic], dict[str, str], dict[str, str]]:
    """The topics, their names (in the reader's language when given the update) and emojis."""
    topics = await topic_store.list_topics(session)
    if context is None:
        return topics, *names_and_emojis(topics)
    language = tr(update, context).language
    return topics, *names_and_emojis(topics, deps(context).topic_names, language)


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Answer in the chat (and forum thread) the update came from; the last message sent."""
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    return await send_part(context.bot, chat_id(update), html_part(text, markup), thread_id=thread)


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of the message a button was tapped on (unchanged text is fine)."""
    assert update.callback_query is not None
    await edit_text(update.callback_query, text, markup)


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in {ChatType.GROUP, ChatType.SUPERGROUP}


def in_forum(update: Update) -> bool:
    """True in a supergroup with topics (forum) turned on."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.SUPERGROUP and bool(chat.is_forum)


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True in private chats, and in groups for the group's admins (anonymous ones too)."""
    if not in_group(update):
        return True
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None
    if message is not None and message.sender_chat and message.sender_chat.id == chat.id:
        return True
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


async def refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Tell a group member who is not an admin that they cannot; True when refused."""
    if await may_change(update, context):
        return False
    text = tr(update, context).gettext(GROUP_ADMINS_ONLY)
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, context, text)
    return True
