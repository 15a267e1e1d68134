"""What every handler shares: its dependencies, replying safely, and group-admin checks."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    Bot,
    ChatMember,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ContextTypes

from bot.render import html_to_plain, split_message
from bot.settings import Settings
from bot.texts import GROUP_ADMINS_ONLY
from storage import topics as topic_store
from storage.models import Topic

log = logging.getLogger(__name__)

# Replies wait out a short flood limit; longer ones are left to the error handler.
MAX_REPLY_WAIT = 5.0
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Deps:
    """What handlers need, stored once in ``bot_data`` by build_application."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    aliases: dict[str, str] = field(default_factory=dict)


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    value = context.bot_data["deps"]
    assert isinstance(value, Deps)
    return value


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def names_and_emojis(topics: Sequence[Topic]) -> tuple[dict[str, str], dict[str, str]]:
    """Topic display names ("🇺🇦 Ukraine") and emojis by slug, in catalogue order."""
    names = {t.slug: f"{t.emoji} {t.name}".strip() for t in topics}
    return names, {t.slug: t.emoji for t in topics}


async def catalogue(session: AsyncSession) -> tuple[list[Topic], dict[str, str], dict[str, str]]:
    topics = await topic_store.list_topics(session)
    names, emojis = names_and_emojis(topics)
    return topics, names, emojis


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB 22 is moving it from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


async def _send_part(
    bot: Bot,
    chat: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    thread: int | None,
) -> Message:
    for attempt in range(3):
        try:
            return await bot.send_message(
                chat,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                message_thread_id=thread,
                link_preview_options=NO_PREVIEW,
            )
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == 2 or wait > MAX_REPLY_WAIT:
                raise
            await asyncio.sleep(wait)
        except BadRequest as exc:
            if "can't parse entities" not in exc.message.lower():
                raise
            log.warning(
                "Telegram could not parse a reply to chat %s (%s); sent as plain text",
                chat,
                exc.message,
            )
            return await bot.send_message(
                chat,
                html_to_plain(text),
                reply_markup=markup,
                message_thread_id=thread,
                link_preview_options=NO_PREVIEW,
            )
    raise AssertionError("unreachable")


async def send_html(
    bot: Bot,
    chat: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    thread: int | None = None,
) -> list[Message]:
    """Send HTML, split into parts Telegram accepts; the keyboard goes under the last part."""
    parts = split_message(text)
    sent = []
    for i, part in enumerate(parts):
        sent.append(
            await _send_part(bot, chat, part, markup if i == len(parts) - 1 else None, thread)
        )
    return sent


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Answer in the chat (and forum thread) the update came from."""
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    return await send_html(context.bot, chat_id(update), text, markup, thread=thread)


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of the message a button was tapped on (unchanged text is fine)."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(
            split_message(text)[0],
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():
            raise


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in {ChatType.GROUP, ChatType.SUPERGROUP}


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
    if update.callback_query:
        await update.callback_query.answer(GROUP_ADMINS_ONLY, show_alert=True)
    else:
        await reply(update, context, GROUP_ADMINS_ONLY)
    return True
