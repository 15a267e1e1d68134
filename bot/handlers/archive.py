"""The archive: /search WORDS over every stored story, /today and /yesterday on your topics.

Each answer is numbered like a digest and recorded as one, so /story N and
/why N open result N. /today and /yesterday follow the subscriber's topics,
keywords and mutes in their own time zone; neither counts as a delivery, so
the daily digest still brings those stories.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot.handlers.context import BriefbotContext, catalogue
from bot.ui import keyboards, texts
from bot.ui.i18n import Translator
from bot.ui.render import escape, render_digest
from storage import digests
from storage.errors import SearchQueryError
from storage.models import Story, Subscriber
from storage.search import parse_query, search_stories
from storage.states import DigestKind
from storage.types import utcnow

# Phones type “smart” quotes; the query syntax wants plain ones.
QUOTES = str.maketrans({c: '"' for c in "“”„«»″"})
MAX_QUERY = 200


def query_text(message_text: str | None) -> str:
    """What follows the command, with smart quotes made plain."""
    rest = (message_text or "").split(maxsplit=1)[1:]
    return " ".join(rest[0].split()).translate(QUOTES)[:MAX_QUERY] if rest else ""


def day_bounds(zone: str, days_ago: int, now: datetime) -> tuple[date, datetime, datetime]:
    """The local date ``days_ago`` days before ``now`` in ``zone``, and its [start, end) in UTC."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date() - timedelta(days=days_ago)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return day, start.astimezone(UTC), end.astimezone(UTC)


async def _numbered(
    session: AsyncSession,
    subscriber: Subscriber,
    stories: list[Story],
    heading: str,
    more: str | None,
    t: Translator,
    kind: DigestKind = DigestKind.SEARCH,
) -> tuple[str, InlineKeyboardMarkup]:
    """Record the stories as a digest /story N reads from, and render them."""
    made = await digests.create_digest(session, subscriber.id, kind, [s.id for s in stories])
    _, _, emojis = await catalogue(session)
    text = render_digest(stories, emojis, heading=heading, t=t)
    if more:
        text += "\n\n" + more
    return text, keyboards.story_buttons(made.id, len(stories))


async def search(update: Update, context: BriefbotContext) -> None:
    """Every stored story that matches: /search words "a phrase" -excluded."""
    message = update.effective_message
    raw = query_text(message.text if message else None)
    t = context.t
    if not raw:
        await context.reply(t.gettext(texts.SEARCH_USAGE))
        return
    try:
        query = parse_query(raw)
    except SearchQueryError as exc:
        nothing = t.gettext("Nothing to search for: {problem}.")
        await context.reply(nothing.format(problem=escape(str(exc))))
        return
    limit = context.settings.digest_max_stories
    markup: InlineKeyboardMarkup | None = None
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        found = await search_stories(session, query, limit=limit + 1)
        if not found:
            text = texts.no_results(raw, t)
        else:
            narrow = t.gettext("More stories match; add a word to narrow it down.")
            more = narrow if found[limit:] else None
            heading = texts.search_heading(raw, len(found[:limit]), t)
            text, markup = await _numbered(session, subscriber, found[:limit], heading, more, t)
    await context.reply(text, markup)


async def today(update: Update, context: BriefbotContext) -> None:
    """Today's stories on your topics and keywords (your time zone)."""
    await _day(update, context, days_ago=0)


async def yesterday(update: Update, context: BriefbotContext) -> None:
    """Yesterday's stories on your topics and keywords (your time zone)."""
    await _day(update, context, days_ago=1)


async def _day(update: Update, context: BriefbotContext, *, days_ago: int) -> None:
    limit = context.settings.digest_max_stories
    markup: InlineKeyboardMarkup | None = None
    t = context.t
    name = t.gettext("Today") if days_ago == 0 else t.gettext("Yesterday")
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        day, start, end = day_bounds(subscriber.timezone, days_ago, utcnow())
        named = format_date(day, "EEEE d MMMM", locale=t.language)
        if not subscriber.topic_slugs and not subscriber.keyword_list:
            text = t.gettext(texts.NOTHING_FOLLOWED)
        else:
            found = await digests.matching_stories(
                session, subscriber, since=start, until=end, limit=limit * 5, unseen_only=False
            )
            if not found:
                if days_ago == 0:
                    nothing = t.gettext("Nothing on your topics came in today ({date}).")
                else:
                    nothing = t.gettext("Nothing on your topics came in yesterday ({date}).")
                text = nothing.format(date=named)
            else:
                shown, rest = found[:limit], len(found[limit:])
                more = (
                    t.ngettext(
                        "…and {count} more that day; /search narrows them down.",
                        "…and {count} more that day; /search narrows them down.",
                        rest,
                    ).format(count=rest)
                    if rest
                    else None
                )
                heading = t.ngettext(
                    "📅 <b>{day}, {date}</b> ({zone}) · {count} on your topics",
                    "📅 <b>{day}, {date}</b> ({zone}) · {count} on your topics",
                    len(shown),
                ).format(day=name, date=named, zone=escape(subscriber.timezone), count=len(shown))
                text, markup = await _numbered(
                    session, subscriber, shown, heading, more, t, DigestKind.ON_DEMAND
                )
    await context.reply(text, markup)
