"""The settings Mini App on the bot's HTTP server: the page, and its JSON API.

``add_webapp`` adds, to the server that answers /healthz (and the webhook):

- ``GET /webapp/``: the page (plain HTML, CSS and a small script, shipped in
  ``static/``);
- ``GET /webapp/api/settings``: the person's settings and those of the
  channels they manage, with the topics, zones and labels the form needs;
- ``POST /webapp/api/settings``: ``{"chat_id": ..., "settings": {...}}``
  saves one chat's settings in one transaction, through the storage functions
  the commands use.

Every API request carries Telegram's initData (``Authorization: tma
<initData>``); missing, altered or expired initData gets 401 and changes
nothing. A person reads and changes only their own chat (chat id = user id)
and the channels they manage (403 otherwise); a value the bot cannot take gets
400 with the reason, which the page shows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot.clock import zone_aliases, zone_names
from bot.handlers.context import LANGUAGE, Deps, catalogue
from bot.handlers.topics import MAX_KEYWORDS
from bot.ui.i18n import LANGUAGES, translator
from bot.ui.sources import MAX_PREFERRED
from bot.webapp.form import Form, FormError, read_form, shown
from bot.webapp.initdata import InitDataError, WebAppUser, verify
from bot.webapp.labels import labels
from jobs.ingest.store import backfill_keywords
from storage import channels, preferred, subscribers
from storage.models import Subscriber
from storage.states import SubscriberState
from storage.types import utcnow

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
BOT: web.AppKey[Application] = web.AppKey("webapp_bot")
OUTSIDE = "Open this from Telegram"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def add_webapp(server: web.Application, application: Application) -> None:
    """Serve the Mini App and its API on ``server``, for the bot ``application``."""
    server[BOT] = application
    server.router.add_get("/webapp", _to_page)
    server.router.add_get("/webapp/", page)
    for name in ("app.js", "app.css"):
        server.router.add_get(f"/webapp/{name}", _static(name))
    server.router.add_get("/webapp/api/settings", read_settings)
    server.router.add_post("/webapp/api/settings", save_settings)


async def _to_page(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect("webapp/")  # relative: the proxy's prefix stays


async def page(request: web.Request) -> web.FileResponse:
    """The page itself; it asks the API for everything else."""
    return web.FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)


def _static(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def serve(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers=PAGE_HEADERS)

    return serve


def _deps(request: web.Request) -> Deps:
    deps = request.app[BOT].bot_data["deps"]
    assert isinstance(deps, Deps)
    return deps


def _person(request: web.Request, deps: Deps) -> WebAppUser | None:
    """The person the request's initData names; None (logged) when it names nobody."""
    header = request.headers.get("Authorization", "")
    init_data = header[4:] if header.lower().startswith("tma ") else ""
    try:
        return verify(init_data, deps.settings.token or "", time.time())
    except InitDataError as exc:
        log.info("webapp: refused a request from %s: %s", request.remote, exc)
        return None


def _refuse(status: int, message: str, field: str = "") -> web.Response:
    return web.json_response({"error": message, "field": field}, status=status, headers=API_HEADERS)


async def _own(session: AsyncSession, user: WebAppUser) -> Subscriber:
    """The person's private chat, subscribed first if it never was (as any command does)."""
    found = await subscribers.get_subscriber(session, user.id)
    if found is not None:
        return found
    created, _ = await subscribers.subscribe(
        session, user.id, user_id=user.id, chat_type="private", language=user.language_code
    )
    return created


async def _view(
    session: AsyncSession, deps: Deps, own: Subscriber, user: WebAppUser
) -> dict[str, Any]:
    """Everything the page shows, in the person's language."""
    t = translator(own.language or user.language_code)
    topics, names, _ = await catalogue(session, deps.topic_names, t.language)
    managed = await channels.managed_channels(session, user.id)
    known = await preferred.known_sources(session)

    async def settings(chat: Subscriber) -> dict[str, Any]:
        chosen = await preferred.preferred_sources(session, chat.id)
        return shown(chat, t.language, [known[i] for i in chosen if i in known])

    chats = [{"chat_id": own.chat_id, "title": t.gettext("You"), "kind": "private",
              "active": True, "settings": await settings(own)}]  # fmt: skip
    chats += [
        {
            "chat_id": c.chat_id,
            "title": c.title or str(c.chat_id),
            "kind": "channel",
            "active": c.state is SubscriberState.ACTIVE,
            "settings": await settings(c),
        }
        for c in managed
    ]
    return {
        "language": t.language,
        "chats": chats,
        "topics": [{"slug": topic.slug, "name": names[topic.slug]} for topic in topics],
        "sources": list(known.values()),
        "languages": [{"code": code, "name": name} for code, name in LANGUAGES.items()],
        "zones": zone_names(),
        "zone_aliases": zone_aliases(),
        "limits": {
            "keywords": MAX_KEYWORDS,
            "cap": channels.MAX_DAILY_CAP,
            "sources": MAX_PREFERRED,
        },
        "labels": labels(t),
    }


async def read_settings(request: web.Request) -> web.Response:
    """GET: the person's settings and their channels'."""
    deps = _deps(request)
    user = _person(request, deps)
    if user is None:
        return _refuse(401, OUTSIDE)
    async with deps.sessions.begin() as session:
        own = await _own(session, user)
        view = await _view(session, deps, own, user)
    return web.json_response(view, headers=API_HEADERS)


async def save_settings(request: web.Request) -> web.Response:
    """POST: save one chat's settings, all of them or none."""
    deps = _deps(request)
    user = _person(request, deps)
    if user is None:
        return _refuse(401, OUTSIDE)
    try:
        body = await request.json()
    except ValueError:
        return _refuse(400, "The request is not JSON; nothing was changed.")
    if not isinstance(body, dict):
        return _refuse(400, "The request must be a JSON object; nothing was changed.")
    target = body.get("chat_id", user.id)
    async with deps.sessions.begin() as session:
        own = await _own(session, user)
        t = translator(own.language or user.language_code)
        is_channel = target != user.id
        if not isinstance(target, int) or (
            is_channel and not await channels.can_manage(session, user.id, target)
        ):
            return _refuse(403, t.gettext("You don't manage this channel."), "chat_id")
        topics, _, _ = await catalogue(session)
        try:
            form = read_form(
                body.get("settings"),
                {topic.slug for topic in topics},
                t,
                channel=is_channel,
                known_sources=await preferred.known_sources(session),
            )
        except FormError as exc:
            return _refuse(400, str(exc), exc.field)
        await _apply(session, deps, target, form)
        own = await _own(session, user)
        view = await _view(session, deps, own, user)
    if not is_channel and form.preferences.language is not None:
        _forget_cached_language(request.app[BOT], user.id)
    log.info("webapp: %s saved the settings of chat %s", user.id, target)
    return web.json_response(view | {"saved": target}, headers=API_HEADERS)


async def _apply(session: AsyncSession, deps: Deps, chat_id: int, form: Form) -> None:
    """Write the checked form with the storage functions the commands use."""
    before = await subscribers.get_subscriber(session, chat_id)
    old = set(before.keyword_list) if before else set()
    await subscribers.restore_preferences(session, chat_id, form.preferences)
    if form.cap is not None:
        await channels.set_daily_cap(session, chat_id, form.cap)
    if new := [k for k in form.preferences.keywords or [] if k not in old]:
        since = utcnow() - timedelta(hours=deps.settings.digest_lookback_hours)
        await backfill_keywords(session, new, since)


def _forget_cached_language(application: Application, chat_id: int) -> None:
    """The bot keeps each chat's language in chat_data: look it up again next time."""
    data = application.chat_data.get(chat_id)
    if data is not None:
        data.pop(LANGUAGE, None)
