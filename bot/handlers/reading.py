"""Reading: /digest, /story N (and /story_N), /why N, and the buttons under digests."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot.delivery.messages import NOTHING_SEEN, event_rules
from bot.handlers.context import BriefbotContext, catalogue
from bot.handlers.muting import story_mute_buttons
from bot.ui import keyboards, texts
from bot.ui.events import (
    also_line,
    also_sources,
    collapse,
    render_events_digest,
    version_buttons,
    why_grouped,
)
from bot.ui.i18n import Translator
from bot.ui.render import render_story, render_story_list
from storage import digests
from storage import events as event_store
from storage import preferred as preferred_store
from storage.models import Digest, Subscriber
from storage.states import DigestKind
from storage.types import utcnow

STORY_COMMAND = re.compile(r"^/story_(\d{1,6})(?:@\w+)?(?:\s|$)")
NO_DIGEST = texts.NO_DIGEST
NO_LONGER_STORED = texts.NO_LONGER_STORED


async def digest(update: Update, context: BriefbotContext) -> None:
    """Your matching stories now: the unseen ones, else the latest ones."""
    limit = context.settings.digest_max_stories
    markup: InlineKeyboardMarkup | None = None
    t = context.t
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        _, _, emojis = await catalogue(session)
        if not subscriber.topic_slugs and not subscriber.keyword_list:
            text = t.gettext(texts.NOTHING_FOLLOWED)
        else:
            since = utcnow() - timedelta(hours=context.settings.digest_lookback_hours)
            made = await digests.create_on_demand_digest(
                session, subscriber, since=since, limit=limit
            )
            if made is None:
                text = t.gettext(
                    "Nothing on your topics has come in yet. I'll send stories as they arrive."
                )
            else:
                versions = await event_store.versions(session, [s.id for s in made.stories])
                rules = await event_rules(session, [made.digest.id])
                hidden, updates, preferred = rules.get(made.digest.id, NOTHING_SEEN)
                count = len(collapse(made.stories, versions, hidden=hidden))
                if made.unseen and not count:  # only rewrites of events already read
                    text = t.gettext("📰 <b>Nothing new on your topics today.</b>")
                else:
                    heading = (
                        t.ngettext(
                            "📰 <b>Your stories</b> · {count} new",
                            "📰 <b>Your stories</b> · {count} new",
                            count,
                        ).format(count=count)
                        if made.unseen
                        else t.gettext(
                            "📰 <b>Nothing new since your last digest.</b> "
                            "The latest on your topics:"
                        )
                    )
                    text, shown = render_events_digest(
                        made.stories,
                        versions,
                        emojis,
                        heading=heading,
                        more_count=made.digest.more_count,
                        t=t,
                        hidden=hidden,
                        updates=updates,
                        preferred=preferred,
                    )
                    markup = keyboards.story_buttons(made.digest.id, len(made.stories), shown)
    await context.reply(text, markup)


def _number(arg: str | None) -> int | None:
    if arg is None or not arg.isdecimal() or len(arg) > 6:
        return None
    return int(arg)


async def _latest(
    session: AsyncSession, context: BriefbotContext
) -> tuple[Subscriber, Digest | None]:
    subscriber = await context.ensure_subscriber(session)
    return subscriber, await digests.latest_digest(session, subscriber.id)


async def _story_reply(
    session: AsyncSession,
    subscriber: Subscriber,
    found: Digest | None,
    n: int,
    context: BriefbotContext,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Story n of a digest as text and navigation, or the line that says why not."""
    t = context.t
    if found is None:
        return t.gettext(NO_DIGEST), None
    count = len(found.items)
    story = await digests.digest_story(session, found, n)
    if story is None:
        missing = t.ngettext(
            "There is no story {n} in your latest digest; it has {count} story "
            "(/story 1 to /story {count}).",
            "There is no story {n} in your latest digest; it has {count} stories "
            "(/story 1 to /story {count}).",
            count,
        )
        return (
            missing.format(n=n, count=count)
            if count
            else t.gettext("Your latest digest had no stories. Send /digest for new ones."),
            None,
        )
    _, _, emojis = await catalogue(session)
    mute = await story_mute_buttons(session, subscriber, story, t, context.local_names())
    navigation = keyboards.story_navigation(found.id, n, count, mute, t)
    text = render_story(story, emojis, n=n, t=t)
    versions = (await event_store.versions(session, [story.id])).get(story.id, [])
    if others := also_sources(versions, story.id):
        text = f"{text}\n\n<i>{also_line(others, t)}</i>"
    if buttons := version_buttons(versions, story.id):
        navigation = InlineKeyboardMarkup([*navigation.inline_keyboard, buttons])
    return text, navigation


async def story(update: Update, context: BriefbotContext) -> None:
    """Story N of the latest digest in full; /story alone lists them."""
    args = context.args or []
    n = _number(args[0]) if args else None
    if args and n is None:
        usage = context.t.gettext("Usage: /story N, e.g. /story 2. /story alone lists them.")
        await context.reply(usage)
        return
    await _show_story(update, context, n)


async def story_shortcut(update: Update, context: BriefbotContext) -> None:
    """/story_N, the tappable form in digests."""
    message = update.effective_message
    match = STORY_COMMAND.match(message.text or "") if message else None
    await _show_story(update, context, int(match.group(1)) if match else None)


async def _show_story(update: Update, context: BriefbotContext, n: int | None) -> None:
    markup = None
    t = context.t
    async with context.sessions.begin() as session:
        subscriber, found = await _latest(session, context)
        if n is not None:
            text, markup = await _story_reply(session, subscriber, found, n, context)
        elif found is None:
            text = t.gettext(NO_DIGEST)
        else:
            _, _, emojis = await catalogue(session)
            text = render_story_list(await digests.digest_stories(session, found), emojis, t)
    await context.reply(text, markup)


async def why(update: Update, context: BriefbotContext) -> None:
    """Which topic and which terms made story N of the latest digest match."""
    args = context.args or []
    n = _number(args[0]) if args else None
    t = context.t
    if n is None:
        usage = t.gettext("Usage: /why N, e.g. /why 2 explains story 2 of your digest.")
        await context.reply(usage)
        return
    async with context.sessions.begin() as session:
        subscriber, found = await _latest(session, context)
        text = await _why_text(session, subscriber, found, n, context)
    await context.reply(text)


async def _why_text(
    session: AsyncSession,
    subscriber: Subscriber,
    found: Digest | None,
    n: int,
    context: BriefbotContext,
) -> str:
    t = context.t
    if found is None:
        return t.gettext(NO_DIGEST)
    chosen = await digests.digest_story(session, found, n)
    if chosen is None:
        missing = t.gettext("There is no story {n} in that digest; it has {count}.")
        return missing.format(n=n, count=len(found.items))
    topics, keywords = await digests.story_matches(session, chosen.id)
    _, names, _ = await context.catalogue(session)
    grouped = await _why_grouped(session, chosen.id, subscriber.id, t)
    return texts.why_text(
        n,
        chosen.title,
        topics,
        keywords,
        subscriber.topic_slugs,
        subscriber.keyword_list,
        names,
        searched=found.kind is DigestKind.SEARCH,
        t=t,
    ) + (f"\n\n{grouped}" if grouped else "")


async def _why_grouped(
    session: AsyncSession, story_id: int, subscriber_id: int, t: Translator
) -> str:
    """Why the story is grouped with others into one event, or "" when it is alone (and
    whether it is the version the reader's preferred sources show)."""
    member = await event_store.membership(session, story_id)
    if member is None:
        return ""
    versions = (await event_store.versions(session, [story_id])).get(story_id, [])
    matched = next((v for v in versions if v.story_id == member.matched_story_id), None)
    preferred = await preferred_store.preferred_sources(session, subscriber_id)
    first = [v for v in versions if v.feed_id in preferred]
    shown = min(first, key=lambda v: preferred.index(v.feed_id or 0), default=None)
    chosen = shown is not None and shown.story_id == story_id
    return why_grouped(story_id, versions, matched, member.shared, member.score, t, chosen)


async def story_button(update: Update, context: BriefbotContext) -> None:
    """Open story N of the digest whose button was tapped, as a new message."""
    query = update.callback_query
    assert query is not None
    parsed = keyboards.parse_callback(query.data)
    digest_id = _number(parsed.args[0]) if parsed and len(parsed.args) == 2 else None
    n = _number(parsed.args[1]) if parsed and len(parsed.args) == 2 else None
    t = context.t
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        found = await digests.get_digest(session, subscriber.id, digest_id or 0)
        if found is None or n is None:
            text, markup = t.gettext(NO_LONGER_STORED), None
        elif parsed and parsed.action == keyboards.WHY_STORY:
            text, markup = await _why_text(session, subscriber, found, n, context), None
        else:
            text, markup = await _story_reply(session, subscriber, found, n, context)
    await query.answer()
    await context.reply(text, markup)
