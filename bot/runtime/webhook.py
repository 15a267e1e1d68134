"""Webhook mode: Telegram posts updates to us instead of being polled.

A small aiohttp server takes the POSTs, refuses any request without the
secret token registered with the webhook (403, logged, nothing processed),
and hands updates to the Application's queue. The same server answers
/healthz and /metrics, and the settings Mini App when it is configured, so a
container needs one port.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from json import JSONDecodeError
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application

from bot.runtime.endpoint import build_health_app

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APPLICATION: web.AppKey[Application] = web.AppKey("application")
SECRET: web.AppKey[str] = web.AppKey("secret")


def new_secret() -> str:
    """A secret token in the alphabet Telegram accepts (A-Z, a-z, 0-9, _ and -)."""
    return secrets.token_urlsafe(32)


async def receive_update(request: web.Request) -> web.Response:
    """One update from Telegram: check the secret, queue the update, answer 200."""
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), request.app[SECRET].encode()):
        log.warning(
            "webhook: refused a request from %s with %s secret token",
            request.remote,
            "a wrong" if given else "no",
        )
        return web.Response(status=403, text="forbidden")
    application = request.app[APPLICATION]
    update = await _update_from(request, application)
    if update is None:
        return web.Response(status=400, text="not an update")
    await application.update_queue.put(update)
    return web.Response(text="ok")


async def _update_from(request: web.Request, application: Application) -> Update | None:
    """The body as a Telegram update, or None (logged) for anything else."""
    try:
        body = await request.json()
    except (JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        log.warning("webhook: ignored a body that is not JSON: %s", type(exc).__name__)
        return None
    update_id = body.get("update_id") if isinstance(body, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        log.warning("webhook: ignored a JSON body without an update_id")
        return None
    try:
        update = Update.de_json(body, application.bot)
    except Exception as exc:  # any malformed field: PTB raises what its parsing meets
        log.warning("webhook: ignored update %d, not shaped like one: %s", update_id, exc)
        return None
    if update.effective_message is not None and update.effective_chat is None:
        log.warning("webhook: ignored update %d, its message has no chat", update_id)
        return None
    return update


async def start_webhook(
    application: Application,
    sessions: async_sessionmaker[AsyncSession],
    scheduler_running: Callable[[], bool],
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    database_problem: Callable[[], str | None] = lambda: None,
) -> web.AppRunner:
    """Serve the webhook (and /healthz, /metrics), register it with Telegram, start the bot.

    Stop with ``await runner.cleanup()`` followed by ``bot.app.stop_polling``
    (which stops and shuts down the Application whichever way it was fed).
    """
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    server = build_health_app(sessions, scheduler_running, database_problem, application)
    server[APPLICATION] = application
    server[SECRET] = secret
    path = urlsplit(url).path or "/"
    server.router.add_post(path, receive_update)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, listen, port).start()
    await application.bot.set_webhook(
        url, secret_token=secret, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
    )
    await application.start()
    log.info("webhook registered at %s; listening on %s:%d%s", url, listen, port, path)
    return runner
