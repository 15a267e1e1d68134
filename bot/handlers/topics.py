"""Choosing what to read: /topics (toggles and direct setting), /follow and /unfollow."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.context import BriefbotContext
from bot.ui import keyboards, texts
from bot.ui.i18n import Translator, translator
from bot.ui.render import escape
from bot.ui.wording import keyword_problem
from jobs.ingest.store import backfill_keywords
from storage import subscribers
from storage.models import Topic
from storage.types import utcnow

MAX_KEYWORDS = 50
_WORDS = re.compile(r'"([^"]+)"|“([^”]+)”|(\S+)')


def deep_link_topics(payload: str, slugs: Sequence[str]) -> list[str]:
    """Topic slugs in a deep-link payload such as "ukraine-trade" or "middle-east_gaza"."""
    known = set(slugs)
    tokens = [t for t in re.split(r"[-_\s]+", payload.lower()) if t]
    found: list[str] = []
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            slug = "-".join(tokens[i:j])
            if slug in known:
                found.append(slug)
                i = j
                break
        else:
            i += 1
    return list(dict.fromkeys(found))


def resolve_topics(
    words: Sequence[str],
    topics: Sequence[Topic],
    aliases: Mapping[str, str],
    t: Translator | None = None,
) -> tuple[list[str], list[str]]:
    """(slugs found, one error line per unknown word with a suggestion when there is one)."""
    _ = (t or translator()).gettext
    lookup = {t.slug: t.slug for t in topics}
    lookup |= {t.name.lower(): t.slug for t in topics}
    lookup |= {alias.lower(): slug for alias, slug in aliases.items() if slug in lookup}
    found, errors = [], []
    for word in words:
        key = word.strip().lower()
        if key in lookup:
            found.append(lookup[key])
            continue
        close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
        if close:
            error = _("unknown topic '{word}' — did you mean {slug}?")
        else:
            error = _("unknown topic '{word}'; /topics lists them all.")
        errors.append(error.format(word=escape(word[:40]), slug=lookup[close[0]] if close else ""))
    return list(dict.fromkeys(found)), errors


def words_of(text: str | None) -> list[str]:
    """The arguments after the command; "quoted phrases" stay one word."""
    rest = (text or "").split(maxsplit=1)[1:] or [""]
    return [next(g for g in m.groups() if g) for m in _WORDS.finditer(rest[0])]


def topic_words(text: str) -> list[str]:
    """Topics as typed: "ukraine gaza", or comma-separated names "Middle East, Ukraine"."""
    if "," in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text.split()


def picker(
    all_topics: Sequence[Topic],
    followed: Sequence[str],
    names: Mapping[str, str],
    t: Translator | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The topic picker: its text and its toggles."""
    return (
        texts.topic_picker_text(followed, names, t),
        keyboards.topic_picker(all_topics, followed, names, t),
    )


def welcome_picker(
    context: BriefbotContext,
    greeting: str,
    all_topics: Sequence[Topic],
    followed: Sequence[str],
    names: Mapping[str, str],
) -> tuple[str, InlineKeyboardMarkup]:
    """/start's one message: the welcome with the topic picker (and, in a private chat,
    the settings Mini App's button) under it. ``greeting``: keyboards.WELCOME_NEW or
    WELCOME_BACK."""
    t = context.t
    text = texts.welcome(greeting == keyboards.WELCOME_NEW, followed, names, t)
    markup = keyboards.topic_picker(all_topics, followed, names, t, greeting)
    webapp = _webapp_row(context)
    return text, InlineKeyboardMarkup(
        [webapp, *markup.inline_keyboard] if webapp else markup.inline_keyboard
    )


def _webapp_row(context: BriefbotContext) -> list[InlineKeyboardButton]:
    chat = context.incoming.effective_chat
    return keyboards.webapp_row(context.settings.webapp_url, chat.type if chat else None, context.t)


async def topics(update: Update, context: BriefbotContext) -> None:
    """Show the topic picker, or set the followed topics directly: /topics ukraine gaza."""
    words = topic_words(" ".join(context.args or []))
    if words and await context.refuse_non_admin():
        return
    t = context.t
    local = {
        name.lower(): slug
        for slug, named in context.deps.topic_names.items()
        for name in named.values()
    }
    errors: list[str] = []
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        all_topics, names, _ = await context.catalogue(session)
        if words == ["none"]:
            subscriber = await subscribers.set_topics(session, context.chat_id, [])
        elif words:
            slugs, errors = resolve_topics(words, all_topics, local | context.deps.aliases, t)
            if not errors:
                subscriber = await subscribers.set_topics(session, context.chat_id, slugs)
        followed = subscriber.topic_slugs
    if errors:
        await context.reply("\n".join([*errors[:10], t.gettext("Nothing was changed.")]))
        return
    if words:
        chosen = texts.followed_names(followed, names) or t.gettext("no topics")
        done = t.gettext("Done. You follow {topics}. /digest shows what matches.")
        await context.reply(done.format(topics=chosen))
        return
    await context.reply(*picker(all_topics, followed, names, t))


async def toggle_button(update: Update, context: BriefbotContext) -> None:
    """Follow or unfollow the tapped topic and redraw the picker in the same message."""
    query = update.callback_query
    assert query is not None
    if await context.refuse_non_admin():
        return
    parsed = keyboards.parse_callback(query.data)
    slug = parsed.args[0] if parsed and parsed.args else ""
    greeting = parsed.args[1] if parsed and len(parsed.args) > 1 else None
    t = context.t
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        all_topics, names, _ = await context.catalogue(session)
        if slug not in names:
            followed, now_following = None, False
        else:
            subscriber, now_following = await subscribers.toggle_topic(
                session, context.chat_id, slug
            )
            followed = subscriber.topic_slugs
    if followed is None:
        await query.answer(t.gettext("That topic no longer exists; here is the current list."))
        followed = []
    else:
        toggled = (
            t.gettext("Following {topic}") if now_following else t.gettext("Unfollowed {topic}")
        )
        await query.answer(toggled.format(topic=names[slug]))
    if greeting:
        await context.edit(*welcome_picker(context, greeting, all_topics, followed, names))
    else:
        await context.edit(*picker(all_topics, followed, names, t))


async def done_button(update: Update, context: BriefbotContext) -> None:
    """Close the picker: the message keeps the final choice, without buttons."""
    query = update.callback_query
    assert query is not None
    async with context.sessions.begin() as session:
        subscriber = await subscribers.get_subscriber(session, context.chat_id)
        _, names, _ = await context.catalogue(session)
    followed = subscriber.topic_slugs if subscriber else []
    await query.answer()
    t = context.t
    chosen = texts.followed_names(followed, names) or t.gettext("no topics yet (/topics)")
    text = t.gettext("<b>Your topics</b>: {topics}\nSend /digest to read what matches.")
    text = text.format(topics=chosen)
    parsed = keyboards.parse_callback(query.data)
    if parsed and parsed.args:  # under /start's welcome: it stays, with its settings button
        greeting = parsed.args[0] == keyboards.WELCOME_NEW
        webapp = _webapp_row(context)
        await context.edit(
            texts.welcome(greeting, followed, names, t, closing=text),
            InlineKeyboardMarkup([webapp]) if webapp else None,
        )
    else:
        await context.edit(text)


async def follow(update: Update, context: BriefbotContext) -> None:
    """Follow your own keywords: /follow drones "rare earth"."""
    await _keywords(update, context, adding=True)


async def unfollow(update: Update, context: BriefbotContext) -> None:
    """Stop following keywords: /unfollow drones."""
    await _keywords(update, context, adding=False)


async def _keywords(update: Update, context: BriefbotContext, *, adding: bool) -> None:
    message = update.effective_message
    words = [
        w for w in words_of(message.text if message else "") if subscribers.normalise_keyword(w)
    ]
    command = "follow" if adding else "unfollow"
    if words and await context.refuse_non_admin():
        return
    if adding and (problem := keyword_problem(words)):
        await context.reply(context.t.gettext(problem))
        return
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        current = subscriber.keyword_list
        too_many = adding and len(set(current) | set(words)) > MAX_KEYWORDS
        if words and not too_many:
            change = subscribers.follow_keywords if adding else subscribers.unfollow_keywords
            subscriber = await change(session, context.chat_id, words)
            if adding:
                lookback = timedelta(hours=context.settings.digest_lookback_hours)
                new = [subscribers.normalise_keyword(w) for w in words]
                await backfill_keywords(session, new, utcnow() - lookback)
        keywords = subscriber.keyword_list
    t = context.t
    listed = ", ".join(f"“{escape(k)}”" for k in keywords) or t.gettext("none")
    if not words:
        text = t.gettext(
            'Usage: /{command} WORD… (use "quotes" for a phrase), e.g. /{command} drones '
            '"rare earth".\nYour keywords: {keywords}'
        )
    elif too_many:
        text = t.gettext("You can follow at most {max} keywords; /unfollow some first.")
    else:
        text = t.gettext("Your keywords: {keywords}. Stories mentioning them join your digest.")
    await context.reply(text.format(command=command, keywords=listed, max=MAX_KEYWORDS))
