"""What every handler shares, on its context: the dependencies, the chat and its reader's
language, replying, the chat's subscriber and group-admin checks.

``build_application`` passes ``CONTEXT_TYPES`` to the Application, so every
callback gets a ``BriefbotContext``, made once per update, which knows the update
it was made for: ``context.t`` is the reader's translator, ``context.chat_id`` the
chat, ``await context.reply(text)`` answers in the chat and thread the update came
from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import ChatMember, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.delivery.messages import broadcast_part, edit_text, html_part, send_part
from bot.delivery.wire import Wire
from bot.settings import Settings
from bot.ui.i18n import Translator, translator
from bot.ui.texts import GROUP_ADMINS_ONLY
from storage import subscribers
from storage import topics as topic_store
from storage.models import Subscriber, Topic

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
    # replies' lean request path (python-telegram-bot's costs a few times more per reply)
    wire: Wire | None = None


Data = dict[Any, Any]


class BriefbotContext(CallbackContext[ExtBot[None], Data, Data, Data]):
    """A handler's context, knowing its update (see the module doc)."""

    __slots__ = ("_update",)

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._update: object = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, BriefbotContext, Any, Any, Any, Any]
    ) -> BriefbotContext:
        context = super().from_update(update, application)
        context._update = update
        return context

    @property
    def deps(self) -> Deps:
        value = self.bot_data["deps"]
        assert isinstance(value, Deps)
        return value

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.deps.sessions

    @property
    def incoming(self) -> Update:
        """The update this context was made for (handlers only get updates)."""
        assert isinstance(self._update, Update)
        return self._update

    @property
    def chat_id(self) -> int:
        chat = self.incoming.effective_chat
        assert chat is not None
        return chat.id

    @property
    def t(self) -> Translator:
        """The reader's translator: the language stored for the chat, else their Telegram one."""
        stored = self.chat_data.get(LANGUAGE) if self.chat_data is not None else None
        update = self._update
        user = update.effective_user if isinstance(update, Update) else None
        return translator(stored or (user.language_code if user else None))

    def set_language(self, language: str | None) -> None:
        """Remember the chat's language after /start, /language or /forget changed it."""
        if self.chat_data is not None:
            self.chat_data[LANGUAGE] = language

    def local_names(self) -> dict[str, str]:
        """Topic names (without emoji) in the reader's language, where the topics file has one."""
        language = self.t.language
        named = self.deps.topic_names.items()
        return {slug: names[language] for slug, names in named if language in names}

    async def catalogue(
        self, session: AsyncSession
    ) -> tuple[list[Topic], dict[str, str], dict[str, str]]:
        """The topics, their names in the reader's language, and their emojis."""
        return await catalogue(session, self.deps.topic_names, self.t.language)

    async def ensure_subscriber(self, session: AsyncSession) -> Subscriber:
        """The chat's subscriber, subscribing it first if it never sent /start."""
        subscriber = await subscribers.get_subscriber(session, self.chat_id)
        if subscriber is not None:
            return subscriber
        chat, user = self.incoming.effective_chat, self.incoming.effective_user
        assert chat is not None
        created, _ = await subscribers.subscribe(
            session,
            chat.id,
            user_id=user.id if user else None,
            chat_type=chat.type,
            language=user.language_code if user else None,
        )
        return created

    async def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> int:
        """Answer in the chat (and forum thread) the update came from; the last message's id.

        On the lean request path when the bot has one (``Deps.wire``), else through PTB.
        """
        message = self.incoming.effective_message
        thread = message.message_thread_id if message and message.is_topic_message else None
        part = html_part(text, markup)
        wire = self.deps.wire
        if wire is not None:
            return await broadcast_part(wire, self.chat_id, part, thread, broadcast=False)
        return (await send_part(self.bot, self.chat_id, part, thread_id=thread)).message_id

    async def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the text of the message a button was tapped on (unchanged text is fine)."""
        query = self.incoming.callback_query
        assert query is not None
        await edit_text(query, text, markup)

    async def may_change(self) -> bool:
        """True in private chats, and in groups for the group's admins (anonymous ones too)."""
        update = self.incoming
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
        member = await self.bot.get_chat_member(chat.id, user.id)
        return member.status in ADMIN_STATUSES

    async def refuse_non_admin(self) -> bool:
        """Tell a group member who is not an admin that they cannot; True when refused."""
        if await self.may_change():
            return False
        text = self.t.gettext(GROUP_ADMINS_ONLY)
        if self.incoming.callback_query:
            await self.incoming.callback_query.answer(text, show_alert=True)
        else:
            await self.reply(text)
        return True


CONTEXT_TYPES = ContextTypes(context=BriefbotContext)


async def remember_language(update: Update, context: BriefbotContext) -> None:
    """Before any handler: look up the chat's stored language once and keep it in chat_data."""
    if update.effective_chat is None:
        return
    if context.chat_data is None or LANGUAGE in context.chat_data:
        return
    async with context.sessions.begin() as session:
        known, language = await subscribers.language_of(session, update.effective_chat.id)
    if known:  # a chat that never sent /start is looked up again next time
        context.chat_data[LANGUAGE] = language


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in {ChatType.GROUP, ChatType.SUPERGROUP}


def in_forum(update: Update) -> bool:
    """True in a supergroup with topics (forum) turned on."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.SUPERGROUP and bool(chat.is_forum)


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


async def catalogue(
    session: AsyncSession,
    local: Mapping[str, Mapping[str, str]] | None = None,
    language: str = "",
) -> tuple[list[Topic], dict[str, str], dict[str, str]]:
    """The topics, their names (in ``language`` with ``local`` names) and emojis."""
    topics = await topic_store.list_topics(session)
    return topics, *names_and_emojis(topics, local, language)
