"""Hearing less: "🔇 N" under a digest, "🔇 Topic" and "👎 Fewer “word”" under a story.

A muted topic or keyword leaves its stories out of digests, /today and
/yesterday (``storage.mutes``); /settings lists the mutes with buttons to undo.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.context import BriefbotContext
from bot.ui import keyboards, texts
from bot.ui.i18n import Translator
from storage import digests, mutes
from storage import topics as topic_store
from storage.models import Story, Subscriber, Topic
from storage.subscribers import normalise_keyword

MAX_TOPIC_BUTTONS = 2


def fewer_term(story: Story, catalogue: Sequence[Topic], own: Collection[str]) -> str | None:
    """The word "fewer like this" mutes: the first term that tagged the story that is
    not a topic's own name (muting the topic does that) nor one of the reader's keywords."""
    taken = {t.slug for t in catalogue} | {t.name.lower() for t in catalogue} | set(own)
    for tag in sorted(story.tags, key=lambda t: t.topic_slug):
        for term in tag.terms:
            word = normalise_keyword(term)
            if word and word not in taken:
                return word
    return None


async def story_mute_buttons(
    session: AsyncSession,
    subscriber: Subscriber,
    story: Story,
    t: Translator | None = None,
    local: Mapping[str, str] | None = None,
) -> list[InlineKeyboardButton]:
    """The buttons to hear less like ``story``: its topics, in catalogue order (``local``:
    their names in the reader's language), and one word."""
    catalogue = await topic_store.list_topics(session)
    tagged = {tag.topic_slug for tag in story.tags}
    local = local or {}
    topics = {t.slug: local.get(t.slug, t.name) for t in catalogue if t.slug in tagged}
    chosen = dict(list(topics.items())[:MAX_TOPIC_BUTTONS])
    fewer = fewer_term(story, catalogue, subscriber.keyword_list)
    return keyboards.mute_buttons(story.id, chosen, fewer, t)


async def mute_menu_button(update: Update, context: BriefbotContext) -> None:
    """ "🔇 N" under a digest: offer the ways to hear less like story N."""
    query = update.callback_query
    assert query is not None
    parsed = keyboards.parse_callback(query.data)
    args = parsed.args if parsed else ()
    numbers = [int(a) for a in args if a.isdecimal() and len(a) < 10]
    markup = None
    t = context.t
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        found = None
        if len(numbers) == 2:
            found = await digests.get_digest(session, subscriber.id, numbers[0])
        story = await digests.digest_story(session, found, numbers[1]) if found else None
        if story is None:
            text = t.gettext(texts.NO_LONGER_STORED)
        else:
            text = texts.mute_menu_text(numbers[1], story.title, t)
            local = context.local_names()
            buttons = await story_mute_buttons(session, subscriber, story, t, local)
            markup = InlineKeyboardMarkup([[b] for b in buttons]) if buttons else None
            if not buttons:
                text += "\n" + t.gettext("This story has no topic or word to mute.")
    await query.answer()
    await context.reply(text, markup)


async def mute_button(update: Update, context: BriefbotContext) -> None:
    """ "🔇 Topic" or "👎 Fewer “word”": mute it and say how to undo."""
    query = update.callback_query
    assert query is not None
    if await context.refuse_non_admin():
        return
    parsed = keyboards.parse_callback(query.data)
    arg = parsed.args[0] if parsed and parsed.args else ""
    t = context.t
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        if parsed and parsed.action == keyboards.MUTE_TOPIC:
            topic = await session.get(Topic, arg)
            if topic is not None and await mutes.mute_topic(session, subscriber.id, topic.slug):
                name = context.local_names().get(topic.slug, topic.name)
                answer = t.gettext(texts.MUTED_TOPIC).format(name=name)
            else:
                answer = t.gettext("That topic no longer exists.")
        else:
            story = (
                await session.get(Story, int(arg)) if arg.isdecimal() and len(arg) < 10 else None
            )
            catalogue = await topic_store.list_topics(session)
            word = fewer_term(story, catalogue, subscriber.keyword_list) if story else None
            if story is None or word is None:
                answer = t.gettext("That story is no longer stored.")
            else:
                await mutes.mute_keyword(session, subscriber.id, word, story_id=story.id)
                answer = t.gettext(texts.MUTED_KEYWORD).format(word=word)
    await query.answer(answer[:200])
