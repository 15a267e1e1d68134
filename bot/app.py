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
from telegram import BotCommand, MenuButtonWebApp, Update, WebAppInfo
from telegram.error import BadRequest, Conflict, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.delivery.limiter import BriefbotRateLimiter
from bot.delivery.wire import Wire
from bot.handlers import (
    archive,
    basics,
    channels,
    language,
    muting,
    preferences,
    reading,
    routing,
    sources,
    subscribe,
    topics,
    transfer,
)
from bot.handlers.basics import on_error
from bot.handlers.context import CONTEXT_TYPES, BriefbotContext, Deps, remember_language
from bot.runtime.intake import once_per_update
from bot.runtime.turns import TakingTurns
from bot.runtime.updates import PerChatUpdateProcessor
from bot.settings import Settings
from bot.ui import keyboards
from bot.ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from bot.ui.texts import commands
from jobs.catalogue import load_topics
from storage import db

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


async def stale_button(update: Update, context: BriefbotContext) -> None:
    """A button this version does not know (an old message): answer with a hint."""
    if update.callback_query:
        await update.callback_query.answer(
            context.t.gettext("This button is out of date; send /settings or /digest.")
        )


def build_application(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    background: Background | None = None,
) -> Application:
    """The bot, wired: every handler below, talking to BRIEFBOT_BOT_API_URL."""
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set; `briefbot run` explains how to get one")
    definitions = load_topics(settings.topics_file)
    aliases = {alias.lower(): topic.slug for topic in definitions for alias in topic.aliases}
    topic_names = {topic.slug: topic.names for topic in definitions if topic.names}
    base = settings.bot_api_url.rstrip("/")
    for_commands = db.command_sessions(sessions)  # on SQLite, a connection of their own
    if for_commands is not sessions:  # which they take turns at, a chat's first update first
        for_commands = TakingTurns(for_commands)
    application = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .token(settings.token)
        .base_url(base)
        .base_file_url(base.removesuffix("/bot") + "/file/bot")
        .rate_limiter(rate_limiter(settings))
        .job_queue(None)  # the scheduler is our own (jobs.schedule), on the same loop
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init(background))
        .post_stop(_post_stop(background))
        .post_shutdown(_post_shutdown(sessions, for_commands))
        .build()
    )
    wire = Wire(application.bot.base_url, application.bot.rate_limiter)
    application.bot_data["deps"] = Deps(
        settings=settings,
        sessions=for_commands,
        aliases=aliases,
        topic_names=topic_names,
        wire=wire,
    )

    command = CommandHandler
    application.add_handler(TypeHandler(Update, once_per_update(for_commands)), group=-2)
    application.add_handler(TypeHandler(Update, remember_language), group=-1)
    application.add_handlers(
        [
            command("start", channels.story_link, filters.Regex(channels.START_STORY)),
            command("start", subscribe.start),
            command("topics", topics.topics),
            command("follow", topics.follow),
            command("unfollow", topics.unfollow),
            command("digest", reading.digest),
            command("story", reading.story),
            command("why", reading.why),
            command("search", archive.search),
            command("today", archive.today),
            command("yesterday", archive.yesterday),
            command("export", transfer.export),
            command("import", transfer.import_hint),
            command("time", preferences.set_time),
            command("timezone", preferences.set_timezone),
            command("mode", preferences.set_mode),
            command("quiet", preferences.set_quiet),
            command("pause", preferences.pause),
            command("resume", preferences.resume),
            command("settings", preferences.show_settings),
            command("prefer", sources.prefer),
            command("channel", channels.channel),
            command("language", language.language),
            command("route", routing.route),
            command("unroute", routing.unroute),
            command("stop", subscribe.stop),
            command("forget", subscribe.forget),
            command("help", basics.help_command),
            command("stats", basics.stats),
            MessageHandler(filters.Regex(reading.STORY_COMMAND), reading.story_shortcut),
            MessageHandler(
                filters.Document.ALL
                & (filters.ChatType.PRIVATE | filters.CaptionRegex(r"^/import(?:@\w+)?(?:\s|$)")),
                transfer.import_file,
            ),
            CallbackQueryHandler(topics.toggle_button, _action(keyboards.TOGGLE_TOPIC)),
            CallbackQueryHandler(topics.done_button, _action(keyboards.TOPICS_DONE)),
            CallbackQueryHandler(
                reading.story_button, _action(keyboards.OPEN_STORY, keyboards.WHY_STORY)
            ),
            CallbackQueryHandler(
                preferences.settings_button,
                _action(
                    keyboards.SET_MODE,
                    keyboards.PAUSE,
                    keyboards.RESUME,
                    keyboards.UNMUTE_TOPIC,
                    keyboards.UNMUTE_KEYWORD,
                ),
            ),
            CallbackQueryHandler(muting.mute_menu_button, _action(keyboards.MUTE_MENU)),
            CallbackQueryHandler(
                muting.mute_button, _action(keyboards.MUTE_TOPIC, keyboards.MUTE_KEYWORD)
            ),
            CallbackQueryHandler(preferences.topics_button, _action(keyboards.OPEN_TOPICS)),
            CallbackQueryHandler(language.language_button, _action(keyboards.SET_LANGUAGE)),
            CallbackQueryHandler(subscribe.forget_button, _action(keyboards.FORGET)),
            CallbackQueryHandler(channels.channels_button, _action(keyboards.OPEN_CHANNELS)),
            CallbackQueryHandler(channels.channel_button, _action(*keyboards.CHANNEL_ACTIONS)),
            CallbackQueryHandler(stale_button),
            ChatMemberHandler(subscribe.member_changed, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, subscribe.chat_migrated),
            MessageHandler(filters.StatusUpdate.CHAT_SHARED, channels.channel_picked),
            # Posts in a channel the bot posts to are its readers' business, not commands.
            MessageHandler(
                filters.COMMAND & ~filters.UpdateType.CHANNEL_POSTS, basics.unknown_command
            ),
            MessageHandler(
                filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                basics.plain_text,
            ),
        ]
    )
    application.add_error_handler(on_error)
    return application


def rate_limiter(settings: Settings) -> BriefbotRateLimiter:
    """The bot's one rate limiter, at BRIEFBOT_MAX_MESSAGES_PER_SECOND."""
    return BriefbotRateLimiter(
        settings.max_messages_per_second, private_burst=settings.private_burst
    )


def _post_init(background: Background | None) -> Hook:
    async def post_init(application: Application) -> None:
        """Register the command menu in every language (and the Mini App's menu button),
        then start the background work."""
        await register_commands(application)
        await register_menu_button(application)
        if background is not None:
            await background.start(application)

    return post_init


async def register_commands(application: Application) -> None:
    """The command menu: English as the default, and one per other language by its code."""
    for code in LANGUAGES:
        menu = [BotCommand(c, d) for c, d in commands(translator(code))]
        if code == DEFAULT_LANGUAGE:
            await application.bot.set_my_commands(menu)
        else:
            await application.bot.set_my_commands(menu, language_code=code)


async def register_menu_button(application: Application) -> None:
    """With BRIEFBOT_WEBAPP_URL set, the button beside the message field opens the Mini App."""
    deps = application.bot_data["deps"]
    assert isinstance(deps, Deps)
    url = deps.settings.webapp_url
    if url is None:
        return
    text = translator(DEFAULT_LANGUAGE).gettext(keyboards.WEBAPP_BUTTON)
    try:
        await application.bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(text=text, web_app=WebAppInfo(url))
        )
    except BadRequest as exc:  # the bot runs on; only the menu button is missing
        log.warning(
            "Telegram refused the Mini App's menu button (%s); check BRIEFBOT_WEBAPP_URL", exc
        )


def _post_stop(background: Background | None) -> Hook:
    async def post_stop(application: Application) -> None:
        if background is not None:
            await background.stop(application)

    return post_stop


def _post_shutdown(*made: async_sessionmaker[AsyncSession]) -> Hook:
    async def post_shutdown(application: Application) -> None:
        """Close the replies' connections and the database's."""
        deps = application.bot_data.get("deps")
        if isinstance(deps, Deps) and deps.wire is not None:
            await deps.wire.close()
        for engine in {id(e): e for m in made if (e := m.kw.get("bind")) is not None}.values():
            await engine.dispose()

    return post_shutdown


def _said_already(record: logging.LogRecord) -> bool:
    return not (record.exc_info and isinstance(record.exc_info[1], Conflict))


async def start_polling(
    application: Application,
    *,
    poll_timeout: int = DEFAULT_POLL_TIMEOUT,
    on_conflict: Callable[[], None] | None = None,
) -> None:
    """Initialise, run post_init, and start long polling and update processing.

    ``on_conflict`` is called when Telegram answers 409 Conflict: another process
    is polling with this token.
    """

    def polling_error(error: TelegramError) -> None:
        if isinstance(error, Conflict) and on_conflict is not None:
            # The poller's last getUpdates, as it stops, meets the same 409: said once is enough.
            logging.getLogger("telegram.ext.Updater").addFilter(_said_already)
            on_conflict()
            return
        log.warning("polling for updates failed (%s); trying again", error)

    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        timeout=poll_timeout,
        allowed_updates=Update.ALL_TYPES,
        error_callback=polling_error,
    )
    await application.start()
    log.info("polling for updates as @%s", application.bot.username)


async def start_worker(application: Application) -> None:
    """Initialise and run post_init (the scheduler and sender) without taking updates."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    log.info("delivering only: updates are taken by another process")


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
