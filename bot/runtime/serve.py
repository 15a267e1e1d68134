"""``briefbot run``: the bot, its background work and the operators' endpoint, until a signal.

Long polling by default; webhook mode when a webhook URL is set. SIGINT and
SIGTERM stop taking updates, let the updates in hand finish, stop the
background work, and close the database. So do a database file that goes
away and a 409 Conflict (another process polling with this token), which
then end the run with ``StoppedError``. One run per database: see ``exclusive``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import Background, build_application, start_polling, start_worker, stop_polling
from bot.errors import StartError, StoppedError
from bot.runtime.background import DeliveryBackground, FeedPoll
from bot.runtime.endpoint import start_health_server
from bot.runtime.exclusive import DatabaseWatch, RunLock, shown, sqlite_file
from bot.runtime.logs import redact
from bot.runtime.webhook import new_secret, start_webhook
from bot.settings import Settings
from jobs.catalogue import prepare_database
from storage import db

log = logging.getLogger(__name__)


CONFLICT = (
    "another process is polling Telegram with this token (409 Conflict); "
    "stop it, or use --worker for a second process"
)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to listen: the webhook (None: long polling) and the health endpoint (None: off)."""

    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8080
    secret: str | None = None
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    worker: bool = False  # deliver only: no polling, no webhook (another process takes updates)


async def serve(
    settings: Settings,
    endpoints: Endpoints,
    background: Background | None = None,
    *,
    watch_every: float = 5.0,
) -> None:
    """Migrate, start, and run until SIGINT or SIGTERM.

    ``background`` defaults to the scheduler and the outbox sender. Raises
    ``AnotherRunError`` when another run holds the database.
    """
    url = settings.database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():
        log.warning("no database at %s: creating a new, empty one there", path)
    engine = db.create_engine(url)
    lock = RunLock(url)
    try:
        if not endpoints.worker:
            await lock.acquire(engine)
        prepared = await prepare_database(engine, settings.topics_file, settings.feeds_file)
    except BaseException:
        await lock.release()
        await engine.dispose()
        raise
    if prepared.revision_before is None and path is None:
        log.warning("the database %s was empty: created briefbot's tables in it", shown(url))
    watch = DatabaseWatch(url, every=watch_every)
    sessions = db.create_sessionmaker(engine)
    if background is None:
        background = DeliveryBackground(settings, sessions, poll=FeedPoll(settings, sessions))
    application = build_application(settings, sessions, background=background)
    stop = asyncio.Event()
    stopped_by: list[str] = []

    def conflict() -> None:
        if not stopped_by:
            log.error("%s", CONFLICT)
            stopped_by.append(CONFLICT)
        stop.set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runners: list[web.AppRunner] = []
    try:
        runners = await _start(application, sessions, endpoints, background, watch, conflict)
    except Exception as exc:
        await stop_polling(application)
        await lock.release()
        reason = redact(" ".join(str(exc).split()), settings.token)[:300]
        raise StartError(
            f"Telegram refused to start the bot ({type(exc).__name__}: {reason}); "
            "check TELEGRAM_BOT_TOKEN and BRIEFBOT_BOT_API_URL"
        ) from None
    settle_heap()
    watching = asyncio.create_task(watch.run(stop.set))
    try:
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        watching.cancel()
        for runner in runners:
            await runner.cleanup()
        await stop_polling(application)
        await lock.release()
    if problem := watch.problem or (stopped_by[0] if stopped_by else None):
        raise StoppedError(problem)


def settle_heap() -> None:
    """Keep what starting made out of every later garbage collection.

    Started, the process holds a few hundred thousand objects (modules, message
    catalogues, the Application) that live as long as it does. A broadcast makes
    many short-lived objects, and each full collection would walk all of those
    again: collect what starting left behind, then freeze the rest (``gc.freeze``).
    """
    gc.collect()
    gc.freeze()


async def _start(
    application: Application,
    sessions: async_sessionmaker[AsyncSession],
    endpoints: Endpoints,
    background: Background | None,
    watch: DatabaseWatch,
    conflict: Callable[[], None],
) -> list[web.AppRunner]:
    def running() -> bool:
        return background is None or bool(getattr(background, "running", True))

    runners = []
    if endpoints.worker:
        await start_worker(application)
    elif endpoints.webhook_url:
        runners.append(
            await start_webhook(
                application,
                sessions,
                running,
                url=endpoints.webhook_url,
                listen=endpoints.listen,
                port=endpoints.port,
                secret=endpoints.secret or new_secret(),
                database_problem=watch.check,
            )
        )
    else:
        await start_polling(application, on_conflict=conflict)
    if endpoints.health_port is not None:
        runners.append(
            await start_health_server(
                sessions,
                running,
                host=endpoints.health_host,
                port=endpoints.health_port,
                database_problem=watch.check,
                webapp=application,
            )
        )
    return runners
