"""When and how: /time, /timezone, /mode, /pause, /resume, /settings and its buttons."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.handlers.common import catalogue, chat_id, deps, edit, refuse_non_admin, reply
from bot.handlers.topics import ensure_subscriber, picker
from bot.render import escape
from bot.timezones import lookup_timezone
from storage import subscribers
from storage.models import DeliveryMode, Subscriber
from storage.types import utcnow

MAX_PAUSE_DAYS = 365
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2})|(\d{2}))?$")


def parse_time(text: str) -> time | None:
    """07:30, 7:30, 7.30, 0730 or 7 as a time of day, or None."""
    match = _TIME.match(text.strip().lower())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or match.group(3) or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _local_now(zone: str) -> str:
    return f"{datetime.now(ZoneInfo(zone)):%H:%M}"


async def set_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """When the daily digest arrives: /time 07:30 (in your time zone)."""
    at = parse_time(" ".join(context.args or [])) if context.args else None
    if at is None:
        await reply(update, context, "Usage: /time HH:MM, e.g. /time 07:30 (24-hour, your zone).")
        return
    if await refuse_non_admin(update, context):
        return
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        subscriber = await subscribers.set_digest_time(session, chat_id(update), at)
    await reply(
        update,
        context,
        f"Your digest will arrive at {at:%H:%M} ({escape(subscriber.timezone)}). "
        "Set your zone with /timezone if that is not yours.",
    )


async def set_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Your IANA time zone, e.g. /timezone Europe/Kyiv; near misses get suggestions."""
    name = " ".join(context.args or [])
    if not name:
        await reply(update, context, "Usage: /timezone NAME, e.g. /timezone Europe/Kyiv.")
        return
    found = lookup_timezone(name)
    if found.zone is None:
        hint = (
            f" Did you mean {', '.join(found.suggestions)}?"
            if found.suggestions
            else " Use a name like Europe/Kyiv or America/New_York."
        )
        await reply(update, context, f"I don't know the time zone '{escape(name[:64])}'.{hint}")
        return
    if await refuse_non_admin(update, context):
        return
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        subscriber = await subscribers.set_timezone(session, chat_id(update), found.zone)
    await reply(
        update,
        context,
        f"Time zone set to {found.zone} (it is {_local_now(found.zone)} there). "
        f"Your digest arrives at {subscriber.digest_time:%H:%M} {found.zone} time.",
    )


async def set_mode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How stories arrive: /mode digest|instant|both."""
    word = (context.args or [""])[0].lower()
    if word not in {m.value for m in DeliveryMode}:
        await reply(update, context, "Usage: /mode digest, /mode instant or /mode both.")
        return
    if await refuse_non_admin(update, context):
        return
    mode = DeliveryMode(word)
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        await subscribers.set_mode(session, chat_id(update), mode)
    await reply(update, context, f"Done: you will get {texts.MODES[mode]}.")


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hold deliveries: /pause for until /resume, /pause 3 for three days."""
    args = context.args or []
    days = int(args[0]) if args and args[0].isdecimal() and len(args[0]) < 5 else None
    if args and (days is None or not 1 <= days <= MAX_PAUSE_DAYS):
        await reply(update, context, f"Usage: /pause, or /pause DAYS (1 to {MAX_PAUSE_DAYS}).")
        return
    if await refuse_non_admin(update, context):
        return
    until = utcnow() + timedelta(days=days) if days else None
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        await subscribers.pause(session, chat_id(update), until)
    when = f"for {days} day{'s' if days != 1 else ''}" if days else "until you send /resume"
    await reply(update, context, f"Paused {when}. /digest still works whenever you want it.")


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Resume deliveries after /pause or /stop."""
    if await refuse_non_admin(update, context):
        return
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        subscriber = await subscribers.resume(session, chat_id(update))
    await reply(
        update,
        context,
        f"Resumed: your next digest arrives at {subscriber.digest_time:%H:%M} "
        f"({escape(subscriber.timezone)}).",
    )


async def _settings_view(session: AsyncSession, update: Update) -> tuple[str, Subscriber]:
    subscriber = await ensure_subscriber(session, update)
    _, names, _ = await catalogue(session)
    return texts.settings_text(subscriber, names, utcnow()), subscriber


async def show_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """All settings at a glance, with buttons to change them."""
    async with deps(context).sessions.begin() as session:
        text, subscriber = await _settings_view(session, update)
    await reply(update, context, text, keyboards.settings_buttons(subscriber))


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap under /settings: change mode, pause or resume, and redraw the settings."""
    query = update.callback_query
    assert query is not None
    if await refuse_non_admin(update, context):
        return
    parsed = keyboards.parse_callback(query.data)
    action = parsed.action if parsed else ""
    arg = parsed.args[0] if parsed and parsed.args else ""
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        if action == keyboards.SET_MODE and arg in {m.value for m in DeliveryMode}:
            await subscribers.set_mode(session, chat_id(update), DeliveryMode(arg))
        elif action == keyboards.PAUSE:
            days = int(arg) if arg.isdecimal() and int(arg) <= MAX_PAUSE_DAYS else 1
            await subscribers.pause(session, chat_id(update), utcnow() + timedelta(days=days))
        elif action == keyboards.RESUME:
            await subscribers.resume(session, chat_id(update))
        text, subscriber = await _settings_view(session, update)
    await query.answer("Saved")
    await edit(update, text, keyboards.settings_buttons(subscriber))


async def topics_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Topics button under /settings: open the topic picker."""
    query = update.callback_query
    assert query is not None
    async with deps(context).sessions.begin() as session:
        subscriber = await ensure_subscriber(session, update)
        all_topics, names, _ = await catalogue(session)
    await query.answer()
    followed = subscriber.topic_slugs
    await reply(update, context, *picker(all_topics, followed, names))
