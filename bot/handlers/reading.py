"""Reading: /digest, /story N (and /story_N), /why N, and the buttons under digests."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.handlers.common import catalogue, deps, reply
from bot.handlers.topics import ensure_subscriber
from bot.render import render_digest, render_story, render_story_list
from storage import digests
from storage.models import Digest, DigestKind, Subscriber
from storage.types import utcnow

STORY_COMMAND = re.compile(r"^/story_(\d{1,6})(?:@\w+)?(?:\s|$)")
NO_DIGEST = "You haven't received a digest yet. Send /digest for your stories now."


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Your matching stories now: the unseen ones, else the latest ones."""
    d = deps(context)
    limit = d.settings.digest_max_stories
    markup: InlineKeyboardMarkup | None = None
    async with d.sessions.begin() as session:
        subscriber = await ensure_subscriber(session, update)
        _, _, emojis = await catalogue(session)
        if not subscriber.topic_slugs and not subscriber.keyword_list:
            text = "You don't follow anything yet. Choose topics with /topics, or /follow a word."
        else:
            since = utcnow() - timedelta(hours=d.settings.digest_lookback_hours)
            fresh = await digests.matching_stories(
                session, subscriber, since=since, limit=limit * 5, unseen_only=True
            )
            stories, more = fresh[:limit], max(0, len(fresh) - limit)
            heading = f"📰 <b>Your stories</b> · {len(stories)} new"
            if not stories:
                stories = await digests.matching_stories(
                    session, subscriber, since=None, limit=limit, unseen_only=False
                )
                heading = "📰 <b>Nothing new since your last digest.</b> The latest on your topics:"
            if not stories:
                text = "Nothing on your topics has come in yet. I'll send stories as they arrive."
            else:
                ids = [s.id for s in stories]
                made = await digests.create_digest(
                    session, subscriber.id, DigestKind.ON_DEMAND, ids, more_count=more
                )
                await digests.record_deliveries(session, subscriber.id, ids)
                text = render_digest(stories, emojis, heading=heading, more_count=more)
                markup = keyboards.story_buttons(made.id, len(stories))
    await reply(update, context, text, markup)


def _number(arg: str | None) -> int | None:
    if arg is None or not arg.isdecimal() or len(arg) > 6:
        return None
    return int(arg)


async def _latest(session: AsyncSession, update: Update) -> tuple[Subscriber, Digest | None]:
    subscriber = await ensure_subscriber(session, update)
    return subscriber, await digests.latest_digest(session, subscriber.id)


async def _story_reply(
    session: AsyncSession, subscriber: Subscriber, found: Digest | None, n: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Story n of a digest as text and navigation, or the line that says why not."""
    if found is None:
        return NO_DIGEST, None
    count = len(found.items)
    story = await digests.digest_story(session, found, n)
    if story is None:
        return (
            f"There is no story {n} in your latest digest; it has {count} "
            f"{'story' if count == 1 else 'stories'} (/story 1 to /story {count})."
            if count
            else "Your latest digest had no stories. Send /digest for new ones.",
            None,
        )
    _, _, emojis = await catalogue(session)
    return render_story(story, emojis, n=n), keyboards.story_navigation(found.id, n, count)


async def story(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Story N of the latest digest in full; /story alone lists them."""
    args = context.args or []
    n = _number(args[0]) if args else None
    if args and n is None:
        await reply(update, context, "Usage: /story N, e.g. /story 2. /story alone lists them.")
        return
    await _show_story(update, context, n)


async def story_shortcut(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/story_N, the tappable form in digests."""
    message = update.effective_message
    match = STORY_COMMAND.match(message.text or "") if message else None
    await _show_story(update, context, int(match.group(1)) if match else None)


async def _show_story(update: Update, context: ContextTypes.DEFAULT_TYPE, n: int | None) -> None:
    markup = None
    async with deps(context).sessions.begin() as session:
        subscriber, found = await _latest(session, update)
        if n is not None:
            text, markup = await _story_reply(session, subscriber, found, n)
        elif found is None:
            text = NO_DIGEST
        else:
            _, _, emojis = await catalogue(session)
            text = render_story_list(await digests.digest_stories(session, found), emojis)
    await reply(update, context, text, markup)


async def why(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Which topic and which terms made story N of the latest digest match."""
    args = context.args or []
    n = _number(args[0]) if args else None
    if n is None:
        await reply(update, context, "Usage: /why N, e.g. /why 2 explains story 2 of your digest.")
        return
    async with deps(context).sessions.begin() as session:
        subscriber, found = await _latest(session, update)
        text = await _why_text(session, subscriber, found, n)
    await reply(update, context, text)


async def _why_text(
    session: AsyncSession, subscriber: Subscriber, found: Digest | None, n: int
) -> str:
    if found is None:
        return NO_DIGEST
    chosen = await digests.digest_story(session, found, n)
    if chosen is None:
        return f"There is no story {n} in that digest; it has {len(found.items)}."
    topics, keywords = await digests.story_matches(session, chosen.id)
    _, names, _ = await catalogue(session)
    return texts.why_text(
        n, chosen.title, topics, keywords, subscriber.topic_slugs, subscriber.keyword_list, names
    )


async def story_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open story N of the digest whose button was tapped, as a new message."""
    query = update.callback_query
    assert query is not None
    parsed = keyboards.parse_callback(query.data)
    digest_id = _number(parsed.args[0]) if parsed and len(parsed.args) == 2 else None
    n = _number(parsed.args[1]) if parsed and len(parsed.args) == 2 else None
    async with deps(context).sessions.begin() as session:
        subscriber = await ensure_subscriber(session, update)
        found = await digests.get_digest(session, subscriber.id, digest_id or 0)
        if found is None or n is None:
            text, markup = "That digest is no longer stored. Send /digest for a new one.", None
        elif parsed and parsed.action == keyboards.WHY_STORY:
            text, markup = await _why_text(session, subscriber, found, n), None
        else:
            text, markup = await _story_reply(session, subscriber, found, n)
    await query.answer()
    await reply(update, context, text, markup)
