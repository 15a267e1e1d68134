"""When and how: /time, /timezone, /mode, /quiet, /pause, /resume, /settings and its buttons."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot.clock import lookup_timezone, parse_time, parse_time_range
from bot.handlers.context import BriefbotContext
from bot.handlers.sources import preferred_names
from bot.handlers.topics import picker
from bot.ui import keyboards, texts
from bot.ui.i18n import N_
from bot.ui.render import escape
from storage import mutes, subscribers
from storage.models import Subscriber
from storage.states import DeliveryMode
from storage.types import utcnow

MAX_PAUSE_DAYS = 365


def _local_now(zone: str) -> str:
    return f"{datetime.now(ZoneInfo(zone)):%H:%M}"


async def set_time(update: Update, context: BriefbotContext) -> None:
    """When the daily digest arrives: /time 07:30 (in your time zone)."""
    at = parse_time(" ".join(context.args or [])) if context.args else None
    t = context.t
    if at is None:
        usage = t.gettext("Usage: /time HH:MM, e.g. /time 07:30 (24-hour, your zone).")
        await context.reply(usage)
        return
    if await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        subscriber = await subscribers.set_digest_time(session, context.chat_id, at)
    await context.reply(
        t.gettext(
            "Your digest will arrive at {time} ({zone}). "
            "Set your zone with /timezone if that is not yours."
        ).format(time=f"{at:%H:%M}", zone=escape(subscriber.timezone)),
    )


async def set_timezone(update: Update, context: BriefbotContext) -> None:
    """Your IANA time zone, e.g. /timezone Europe/Kyiv; near misses get suggestions."""
    name = " ".join(context.args or [])
    t = context.t
    if not name:
        usage = t.gettext("Usage: /timezone NAME, e.g. /timezone Europe/Kyiv.")
        await context.reply(usage)
        return
    found = lookup_timezone(name)
    if found.zone is None:
        if found.suggestions:
            unknown = t.gettext("I don't know the time zone '{name}'. Did you mean {suggestions}?")
        else:
            unknown = t.gettext(
                "I don't know the time zone '{name}'. "
                "Use a name like Europe/Kyiv or America/New_York."
            )
        text = unknown.format(name=escape(name[:64]), suggestions=", ".join(found.suggestions))
        await context.reply(text)
        return
    if await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        subscriber = await subscribers.set_timezone(session, context.chat_id, found.zone)
    await context.reply(
        t.gettext(
            "Time zone set to {zone} (it is {now} there). "
            "Your digest arrives at {time} {zone} time."
        ).format(
            zone=found.zone, now=_local_now(found.zone), time=f"{subscriber.digest_time:%H:%M}"
        ),
    )


async def set_mode(update: Update, context: BriefbotContext) -> None:
    """How stories arrive: /mode digest|instant|both."""
    word = (context.args or [""])[0].lower()
    t = context.t
    if word not in {m.value for m in DeliveryMode}:
        await context.reply(t.gettext("Usage: /mode digest, /mode instant or /mode both."))
        return
    if await context.refuse_non_admin():
        return
    mode = DeliveryMode(word)
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        await subscribers.set_mode(session, context.chat_id, mode)
    done = t.gettext("Done: you will get {mode}.").format(mode=t.gettext(texts.MODES[mode]))
    await context.reply(done)


QUIET_USAGE = N_(
    "Usage: /quiet 23:00-07:00 for no instant alerts between those times (your zone), "
    "/quiet off for alerts at any hour, /quiet default for my usual hours."
)


async def set_quiet(update: Update, context: BriefbotContext) -> None:
    """Hours without instant alerts: /quiet 23:00-07:00, /quiet off, /quiet default."""
    words = " ".join(context.args or [])
    t = context.t
    choice = words.strip().lower()
    hours: tuple[time, time] | None = None
    if choice == "off":
        hours = (time(0), time(0))
    elif choice and choice != "default":
        hours = parse_time_range(words)
        if hours is None:
            await context.reply(t.gettext(QUIET_USAGE))
            return
    if choice and await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        if choice:
            subscriber = await subscribers.set_quiet_hours(session, context.chat_id, hours)
    shown = texts.quiet_hours(subscriber, context.settings.quiet_hours, t)
    if not choice:
        now = t.gettext("Quiet hours (no instant alerts): {hours} ({zone}).")
        lines = [now.format(hours=shown, zone=escape(subscriber.timezone)), t.gettext(QUIET_USAGE)]
    elif texts.effective_quiet(subscriber, context.settings.quiet_hours) is None:
        lines = [t.gettext("Quiet hours off: instant alerts come at any hour.")]
    else:
        done = t.gettext(
            "Quiet hours set to {hours} ({zone}): stories that arrive then come when they end."
        )
        lines = [done.format(hours=shown, zone=escape(subscriber.timezone))]
    if choice and subscriber.mode is DeliveryMode.DIGEST:
        lines.append(
            t.gettext(
                "They apply to instant alerts; you get a daily digest (/mode both for alerts too)."
            )
        )
    await context.reply("\n".join(lines))


async def pause(update: Update, context: BriefbotContext) -> None:
    """Hold deliveries: /pause for until /resume, /pause 3 for three days."""
    args = context.args or []
    days = int(args[0]) if args and args[0].isdecimal() and len(args[0]) < 5 else None
    t = context.t
    if args and (days is None or not 1 <= days <= MAX_PAUSE_DAYS):
        usage = t.gettext("Usage: /pause, or /pause DAYS (1 to {max}).")
        await context.reply(usage.format(max=MAX_PAUSE_DAYS))
        return
    if await context.refuse_non_admin():
        return
    until = utcnow() + timedelta(days=days) if days else None
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        await subscribers.pause(session, context.chat_id, until)
    if days:
        paused = t.ngettext(
            "Paused for {count} day. /digest still works whenever you want it.",
            "Paused for {count} days. /digest still works whenever you want it.",
            days,
        )
    else:
        paused = t.gettext(
            "Paused until you send /resume. /digest still works whenever you want it."
        )
    await context.reply(paused.format(count=days))


async def resume(update: Update, context: BriefbotContext) -> None:
    """Resume deliveries after /pause or /stop."""
    if await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        subscriber = await subscribers.resume(session, context.chat_id)
    await context.reply(
        context.t.gettext("Resumed: your next digest arrives at {time} ({zone}).").format(
            time=f"{subscriber.digest_time:%H:%M}", zone=escape(subscriber.timezone)
        ),
    )


async def settings_view(
    session: AsyncSession, context: BriefbotContext
) -> tuple[str, InlineKeyboardMarkup]:
    """The /settings text and its buttons, mutes included, in the reader's language."""
    subscriber = await context.ensure_subscriber(session)
    topics, names, _ = await context.catalogue(session)
    muted = await mutes.list_mutes(session, subscriber.id)
    local = context.local_names()
    plain = {topic.slug: local.get(topic.slug, topic.name) for topic in topics}
    t = context.t
    quiet_default = context.settings.quiet_hours
    sources = await preferred_names(session, subscriber.id)
    text = texts.settings_text(subscriber, names, utcnow(), muted, t, quiet_default, sources)
    webapp = context.settings.webapp_url
    return text, keyboards.settings_buttons(subscriber, muted, plain, t, webapp)


async def _unmute(session: AsyncSession, subscriber: Subscriber, action: str, arg: str) -> None:
    """Lift the mute an unmute button under /settings names (a keyword by its token)."""
    if action == keyboards.UNMUTE_TOPIC:
        await mutes.unmute_topics(session, subscriber.id, [arg])
        return
    muted = await mutes.list_mutes(session, subscriber.id)
    words = [k for k in muted.keywords if keyboards.keyword_token(k) == arg]
    await mutes.unmute_keywords(session, subscriber.id, words)


async def show_settings(update: Update, context: BriefbotContext) -> None:
    """All settings at a glance, with buttons to change them."""
    async with context.sessions.begin() as session:
        text, markup = await settings_view(session, context)
    await context.reply(text, markup)


async def settings_button(update: Update, context: BriefbotContext) -> None:
    """A tap under /settings: change mode, pause or resume, and redraw the settings."""
    query = update.callback_query
    assert query is not None
    if await context.refuse_non_admin():
        return
    parsed = keyboards.parse_callback(query.data)
    action = parsed.action if parsed else ""
    arg = parsed.args[0] if parsed and parsed.args else ""
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        if action in {keyboards.UNMUTE_TOPIC, keyboards.UNMUTE_KEYWORD}:
            await _unmute(session, subscriber, action, arg)
        elif action == keyboards.SET_MODE and arg in {m.value for m in DeliveryMode}:
            await subscribers.set_mode(session, context.chat_id, DeliveryMode(arg))
        elif action == keyboards.PAUSE:
            days = int(arg) if arg.isdecimal() and int(arg) <= MAX_PAUSE_DAYS else 1
            await subscribers.pause(session, context.chat_id, utcnow() + timedelta(days=days))
        elif action == keyboards.RESUME:
            await subscribers.resume(session, context.chat_id)
        text, markup = await settings_view(session, context)
    unmuted = action in {keyboards.UNMUTE_TOPIC, keyboards.UNMUTE_KEYWORD}
    t = context.t
    await query.answer(t.gettext(texts.UNMUTED) if unmuted else t.gettext("Saved"))
    await context.edit(text, markup)


async def topics_button(update: Update, context: BriefbotContext) -> None:
    """The Topics button under /settings: open the topic picker."""
    query = update.callback_query
    assert query is not None
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        all_topics, names, _ = await context.catalogue(session)
    await query.answer()
    followed = subscriber.topic_slugs
    await context.reply(*picker(all_topics, followed, names, context.t))
