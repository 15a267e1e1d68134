"""The one wiring place: build the Application, register every handler, start and stop it.

``build_application`` registers all handlers in one visible block.
``post_init`` registers the command menu and then starts the background work
(the ``background`` hook: the scheduler plugs in there); ``post_stop`` stops
it and ``post_shutdown`` disposes the database engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.handlers import basics, preferences, reading, subscribe, topics
from bot.handlers.common import Deps
from bot.handlers.errors import on_error
from bot.settings import Settings
from bot.texts import COMMANDS
from jobs.catalogue import load_topics

log = logging.getLogger(__name__)

DEFAULT_POLL_TIMEOUT = 30

Hook = Callable[[Application], Coroutine[Any, Any, None]]


class Background(Protocol):
    """Work that runs beside the bot on its event loop (the scheduler): started after
    the command menu is registered, stopped before the bot shuts down."""

    async def start(self, application: Application) -> None: ...

    async def stop(self, application: Application) -> None: ...


def _action(*actions: str) -> Callable[[object], bool]:
    """A callback-data matcher for buttons of this scheme with one of these actions."""

    def matches(data: object) -> bool:
        parsed = keyboards.parse_callback(data if isinstance(data, str) else None)
        return parsed is not None and parsed.action in actions

    return matches


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button this version does not know (an old message): answer with a hint."""
    if update.callback_query:
        await update.callback_query.answer("This button is out of date; send /settings or /digest.")


def build_application(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    background: Background | None = None,
) -> Application:
    """The bot, wired: every handler below, talking to BRIEFBOT_BOT_API_URL."""
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set; `briefbot run` explains how to get one")
    aliases = {
        alias.lower(): topic.slug
        for topic in load_topics(settings.topics_file)
        for alias in topic.aliases
    }
    base = settings.bot_api_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(base)
        .base_file_url(base.removesuffix("/bot") + "/file/bot")
        .post_init(_post_init(background))
        .post_stop(_post_stop(background))
        .post_shutdown(_post_shutdown(sessions))
        .build()
    )
    application.bot_data["deps"] = Deps(settings=settings, sessions=sessions, aliases=aliases)

    command = CommandHandler
    application.add_handlers(
        [
            command("start", subscribe.start),
            command("topics", topics.topics),
            command("follow", topics.follow),
            command("unfollow", topics.unfollow),
            command("digest", reading.digest),
            command("story", reading.story),
            command("why", reading.why),
            command("time", preferences.set_time),
            command("timezone", preferences.set_timezone),
            command("mode", preferences.set_mode),
            command("pause", preferences.pause),
            command("resume", preferences.resume),
            command("settings", preferences.show_settings),
            command("stop", subscribe.stop),
            command("forget", subscribe.forget),
            command("help", basics.help_command),
            command("stats", basics.stats),
            MessageHandler(filters.Regex(reading.STORY_COMMAND), reading.story_shortcut),
            CallbackQueryHandler(topics.toggle_button, _action(keyboards.TOGGLE_TOPIC)),
            CallbackQueryHandler(topics.done_button, _action(keyboards.TOPICS_DONE)),
            CallbackQueryHandler(
                reading.story_button, _action(keyboards.OPEN_STORY, keyboards.WHY_STORY)
            ),
            CallbackQueryHandler(
                preferences.settings_button,
                _action(keyboards.SET_MODE, keyboards.PAUSE, keyboards.RESUME),
            ),
            CallbackQueryHandler(preferences.topics_button, _action(keyboards.OPEN_TOPICS)),
            CallbackQueryHandler(subscribe.forget_button, _action(keyboards.FORGET)),
            CallbackQueryHandler(stale_button),
            ChatMemberHandler(subscribe.member_changed, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, subscribe.chat_migrated),
            MessageHandler(filters.COMMAND, basics.unknown_command),
            MessageHandler(
                filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                basics.plain_text,
            ),
        ]
    )
    application.add_error_handler(on_error)
    return application


def _post_init(background: Background | None) -> Hook:
    async def post_init(application: Application) -> None:
        """Register the command menu, then start the background work (the scheduler)."""
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        if background is not None:
            await background.start(application)

    return post_init


def _post_stop(background: Background | None) -> Hook:
    async def post_stop(application: Application) -> None:
        if background is not None:
            await background.stop(application)

    return post_stop


def _post_shutdown(
    sessions: async_sessionmaker[AsyncSession],
) -> Hook:
    async def post_shutdown(application: Application) -> None:
        """Close the database connections."""
        engine = sessions.kw.get("bind")
        if engine is not None:
            await engine.dispose()

    return post_shutdown


async def start_polling(
    application: Application,
    *,
    poll_timeout: int = DEFAULT_POLL_TIMEOUT,
) -> None:
    """Initialise, run post_init, and start long polling and update processing."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        timeout=poll_timeout,
        allowed_updates=Update.ALL_TYPES,
    )
    await application.start()
    log.info("polling for updates as @%s", application.bot.username)


async def stop_polling(application: Application) -> None:
    """Stop polling, finish the updates in hand, then shut down (post_stop, post_shutdown)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
