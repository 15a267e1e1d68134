"""Channels: /channel picks one (Telegram's chat picker) and sets it up from a private chat.

A picked channel becomes a subscriber of its own, managed by the person who
picked it and by other admins of the channel who pick it too (each checked
with getChatMember: the bot must be an admin allowed to post, and so must the
person). ``/channel`` lists the channels a person manages, each a button to
its card (its settings, a topic picker); ``/channel N SETTING VALUE`` changes
channel N of that list. When the bot loses the right to post, or is removed,
the channel is stopped and its owner told once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    ChatAdministratorRights,
    ChatMember,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden

from bot.clock import lookup_timezone, parse_time
from bot.handlers.context import BriefbotContext
from bot.handlers.sources import choose, preferred_names
from bot.handlers.topics import MAX_KEYWORDS, resolve_topics, topic_words
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGES, Translator, translator
from bot.ui.render import escape, render_story
from bot.ui.sources import preferred_line
from bot.ui.wording import keyword_problem
from jobs.ingest.store import backfill_keywords
from storage import channels, subscribers
from storage.models import Story, Subscriber
from storage.states import SubscriberState
from storage.types import utcnow

log = logging.getLogger(__name__)

PICK_CHANNEL = 1  # request_id of the chat picker's button
STORY_LINK = re.compile(r"^story_(\d{1,18})$")
START_STORY = re.compile(r"^/start(?:@\w+)?\s+story_\d{1,18}$")  # a channel's story link
# The rights asked of both the person and the bot: to post, nothing else.
POSTING = ChatAdministratorRights(
    is_anonymous=False,
    can_manage_chat=False,
    can_delete_messages=False,
    can_manage_video_chats=False,
    can_restrict_members=False,
    can_promote_members=False,
    can_change_info=False,
    can_invite_users=False,
    can_post_stories=False,
    can_edit_stories=False,
    can_delete_stories=False,
    can_post_messages=True,
)


def picker_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The one-button keyboard that opens Telegram's chat picker, for channels only,
    where both the person and the bot are admins allowed to post."""
    request = KeyboardButtonRequestChat(
        request_id=PICK_CHANNEL,
        chat_is_channel=True,
        user_administrator_rights=POSTING,
        bot_administrator_rights=POSTING,
        request_title=True,
        request_username=True,
    )
    button = KeyboardButton(t.gettext("📣 Pick a channel"), request_chat=request)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def _can_post(member: ChatMember) -> bool:
    if member.status == ChatMember.OWNER:
        return True
    return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)


def card_text(
    channel: Subscriber, n: int, names: dict[str, str], t: Translator, sources: Sequence[str] = ()
) -> str:
    """A channel's settings (``sources``: its preferred ones), and how to change them."""
    topics = ", ".join(names.get(s, s) for s in channel.topic_slugs) or t.gettext("none")
    words = ", ".join(f"“{escape(k)}”" for k in channel.keyword_list) or t.gettext("none")
    lines = [f"📣 <b>{escape(channel.title or str(channel.chat_id))}</b>"]
    if channel.state is not SubscriberState.ACTIVE:
        lines.append(t.gettext("⚠️ Stopped: pick it again with /channel to resume."))
    lines.append(
        t.gettext(
            "Topics: {topics}\nKeywords: {keywords}\nDigest at {time} ({zone}), language "
            "{language}, at most {cap} stories a day."
        ).format(
            topics=topics,
            keywords=words,
            time=f"{channel.digest_time:%H:%M}",
            zone=escape(channel.timezone),
            language=channel.language or "en",
            cap=channel.daily_cap or channels.DEFAULT_DAILY_CAP,
        )
        + "\n"
        + preferred_line(sources, t)
    )
    lines.append(
        t.gettext(
            "Change it with /channel {n} and one of: topics ukraine gaza · follow WORD… · "
            "unfollow WORD… · time 08:00 · timezone Europe/Kyiv · language uk · cap 5 · "
            "prefer BBC, Guardian · stop"
        ).format(n=n)
    )
    return "\n\n".join(lines)


def card_buttons(channel: Subscriber, t: Translator) -> InlineKeyboardMarkup:
    data = keyboards.callback_data(keyboards.CHANNEL_TOPICS, channel.chat_id)
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("🗂 Topics"), callback_data=data)]])


async def channel(update: Update, context: BriefbotContext) -> None:
    """List the channels you manage with a button to add one; /channel N SETTING VALUE."""
    chat, user, t = update.effective_chat, update.effective_user, context.t
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        await context.reply(t.gettext("Set up channels in a private chat with me: /channel."))
        return
    args = context.args or []
    if args:
        await _change(context, user.id, args)
        return
    async with context.sessions.begin() as session:
        managed = await channels.managed_channels(session, user.id)
    if managed:
        rows = [
            [
                InlineKeyboardButton(
                    f"{n}. {c.title or c.chat_id}"
                    + ("" if c.state is SubscriberState.ACTIVE else " ⚠️"),
                    callback_data=keyboards.callback_data(keyboards.CHANNEL_CARD, c.chat_id),
                )
            ]
            for n, c in enumerate(managed, 1)
        ]
        heading = t.gettext("<b>Your channels</b>\nTap one for its settings.")
        await context.reply(heading, InlineKeyboardMarkup(rows))
    await context.bot.send_message(
        chat.id,
        t.gettext(
            "To add a channel, tap “📣 Pick a channel” below. I must be an admin there "
            "allowed to post messages (Telegram offers to make me one), and so must you."
        ),
        reply_markup=picker_keyboard(t),
    )


async def channels_button(update: Update, context: BriefbotContext) -> None:
    """The 📣 Channels button under /settings: what /channel shows."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    context.args = []
    await channel(update, context)


async def channel_picked(update: Update, context: BriefbotContext) -> None:
    """The chat picker's answer: check both rights, then add the channel (or its manager)."""
    message = update.effective_message
    user, t = update.effective_user, context.t
    shared = message.chat_shared if message else None
    if shared is None or user is None or shared.request_id != PICK_CHANNEL:
        return
    title = shared.title or shared.username or str(shared.chat_id)
    bot_member: ChatMember | None = None
    person: ChatMember | None = None
    try:
        bot_member = await context.bot.get_chat_member(shared.chat_id, context.bot.id)
        person = await context.bot.get_chat_member(shared.chat_id, user.id)
    except (BadRequest, Forbidden):
        pass
    if bot_member is None or not _can_post(bot_member):
        text = t.gettext(
            "I need to be an admin of {title} allowed to post messages. Make me one, then "
            "pick it again with /channel."
        )
        await _answer(context, text.format(title=escape(title)))
        return
    if person is None or not _can_post(person):
        text = t.gettext("Only an admin of {title} allowed to post can set it up.")
        await _answer(context, text.format(title=escape(title)))
        return
    async with context.sessions.begin() as session:
        found, created = await channels.add_channel(
            session, shared.chat_id, user_id=user.id, title=title, language=t.language
        )
        managed = await channels.managed_channels(session, user.id)
        _, names, _ = await context.catalogue(session)
    n = next(i for i, c in enumerate(managed, 1) if c.chat_id == found.chat_id)
    added = (
        t.gettext("📣 Added {title}: its digest is posted there every day. Choose its topics.")
        if created
        else t.gettext("📣 {title} is yours to manage too, and posting.")
    )
    await _answer(context, added.format(title=escape(title)))
    await context.reply(card_text(found, n, names, t), card_buttons(found, t))


async def _answer(context: BriefbotContext, text: str) -> None:
    """Reply and take the picker keyboard away."""
    await context.bot.send_message(
        context.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=ReplyKeyboardRemove()
    )


async def _managed(session: AsyncSession, user_id: int, ref: str) -> tuple[int, Subscriber] | None:
    """Channel ``ref`` (its number in /channel, or its @username or chat id) of this person."""
    managed = await channels.managed_channels(session, user_id)
    for n, found in enumerate(managed, 1):
        if ref in {str(n), str(found.chat_id)}:
            return n, found
    return None


async def _change(context: BriefbotContext, user_id: int, args: list[str]) -> None:
    """/channel N SETTING VALUE: change one setting of channel N, as the commands do."""
    t = context.t
    ref, setting, value = args[0], (args[1].lower() if len(args) > 1 else ""), args[2:]
    async with context.sessions.begin() as session:
        picked = await _managed(session, user_id, ref)
        if picked is None:
            text = t.gettext("You don't manage a channel {ref}. /channel lists yours.")
            await context.reply(text.format(ref=escape(ref[:40])))
            return
        n, found = picked
        problem = await _apply(context, session, found, setting, value) if setting else None
        if problem is None:
            found = await subscribers.get_subscriber(session, found.chat_id) or found
            _, names, _ = await context.catalogue(session)
            sources = await preferred_names(session, found.id)
    if problem is not None:
        await context.reply(problem)
        return
    await context.reply(card_text(found, n, names, t, sources), card_buttons(found, t))


async def _apply(
    context: BriefbotContext,
    session: AsyncSession,
    found: Subscriber,
    setting: str,
    value: list[str],
) -> str | None:
    """Change one setting; the line to answer when the value is wrong (nothing changes)."""
    t, chat_id, joined = context.t, found.chat_id, " ".join(value)
    if setting == "time" and (at := parse_time(joined)) is not None:
        await subscribers.set_digest_time(session, chat_id, at)
    elif setting == "timezone" and value:
        zone = lookup_timezone(joined)
        if zone.zone is None:
            text = t.gettext("I don't know the time zone '{name}'. Did you mean {suggestions}?")
            return text.format(name=escape(joined[:64]), suggestions=", ".join(zone.suggestions))
        await subscribers.set_timezone(session, chat_id, zone.zone)
    elif setting == "topics" and value:
        all_topics, _, _ = await context.catalogue(session)
        slugs, errors = resolve_topics(topic_words(joined), all_topics, context.deps.aliases, t)
        if errors:
            return "\n".join([*errors[:10], t.gettext("Nothing was changed.")])
        await subscribers.set_topics(session, chat_id, slugs)
    elif setting in {"follow", "unfollow"} and value:
        words = [w for w in value if subscribers.normalise_keyword(w)]
        if setting == "unfollow":
            await subscribers.unfollow_keywords(session, chat_id, words)
            return None
        if problem := keyword_problem(words):
            return t.gettext(problem)
        if len(set(found.keyword_list) | set(words)) > MAX_KEYWORDS:
            return t.gettext("A channel follows at most {count} keywords.").format(
                count=MAX_KEYWORDS
            )
        await subscribers.follow_keywords(session, chat_id, words)
        since = utcnow() - timedelta(hours=context.settings.digest_lookback_hours)
        await backfill_keywords(session, [subscribers.normalise_keyword(w) for w in words], since)
    elif setting == "language" and joined in LANGUAGES:
        await subscribers.set_language(session, chat_id, joined)
    elif setting == "cap" and joined.isdigit() and 1 <= int(joined) <= channels.MAX_DAILY_CAP:
        await channels.set_daily_cap(session, chat_id, int(joined))
    elif setting == "prefer" and value:
        changed, line = await choose(session, found.id, joined, t)
        return None if changed else line
    elif setting == "stop" and not value:
        await subscribers.unsubscribe(session, chat_id)
    else:
        return t.gettext(
            "Usage: /channel N topics ukraine gaza | follow WORD… | unfollow WORD… | "
            "time HH:MM | timezone NAME | language {languages} | cap 1-{cap} | "
            "prefer SOURCE, SOURCE…|off | stop"
        ).format(languages="|".join(LANGUAGES), cap=channels.MAX_DAILY_CAP)
    return None


async def channel_button(update: Update, context: BriefbotContext) -> None:
    """A channel's button in /channel, its 🗂 Topics, or a topic toggle in its picker."""
    query, user, t = update.callback_query, update.effective_user, context.t
    assert query is not None and user is not None
    parsed = keyboards.parse_callback(query.data)
    args = parsed.args if parsed else ()
    chat_id = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
    async with context.sessions.begin() as session:
        picked = await _managed(session, user.id, str(chat_id))
        if picked is None:
            await query.answer(t.gettext("You don't manage this channel."), show_alert=True)
            return
        n, found = picked
        if parsed and parsed.action == keyboards.CHANNEL_TOGGLE and len(args) > 1:
            found, _ = await subscribers.toggle_topic(session, chat_id, args[1])
        all_topics, names, _ = await context.catalogue(session)
        sources = await preferred_names(session, found.id)
    await query.answer()
    action = parsed.action if parsed else ""
    if action == keyboards.CHANNEL_CARD:
        await context.reply(card_text(found, n, names, t, sources), card_buttons(found, t))
        return
    if action == keyboards.CHANNEL_DONE:
        await context.edit(card_text(found, n, names, t, sources), card_buttons(found, t))
        return
    await context.edit(
        card_text(found, n, names, t, sources),
        keyboards.channel_topic_picker(all_topics, found, names, t),
    )


async def story_link(update: Update, context: BriefbotContext) -> None:
    """/start story_ID from a channel's digest: the story in full, in the private chat."""
    payload = context.args[0] if context.args else ""
    match = STORY_LINK.match(payload)
    assert match is not None, "registered for story links only"
    t = context.t
    async with context.sessions.begin() as session:
        story = await session.get(Story, int(match.group(1)))
        _, _, emojis = await context.catalogue(session)
        known = await subscribers.get_subscriber(session, context.chat_id)
    if story is None:
        await context.reply(t.gettext("That story is no longer stored. /start subscribes you."))
        return
    await context.reply(render_story(story, emojis, t=t))
    if known is None:
        await context.reply(t.gettext("Send /start to get stories like this on your own topics."))


async def member_changed(update: Update, context: BriefbotContext) -> None:
    """The bot lost the right to post in a channel, or was removed: stop it, tell the owner once."""
    change = update.my_chat_member
    assert change is not None
    if _can_post(change.new_chat_member):
        return
    async with context.sessions.begin() as session:
        lost = await channels.deactivate(session, change.chat.id)
        languages: dict[int, str | None] = {}
        for owner in await channels.owners_of(session, lost.id) if lost else []:
            private = await subscribers.get_subscriber(session, owner)
            languages[owner] = private.language if private else None
    if lost is None:
        return
    log.info("channel %s: the bot may no longer post; stopped", change.chat.id)
    title = escape(lost.title or str(lost.chat_id))
    for owner, language in languages.items():
        t = translator(language)
        text = t.gettext(
            "📣 I can no longer post in {title} (I was removed, or may not post there), so "
            "its digest is stopped. Make me an admin allowed to post and pick it again with "
            "/channel to resume."
        ).format(title=title)
        try:
            await context.bot.send_message(owner, text, parse_mode=ParseMode.HTML)
        except (BadRequest, Forbidden) as exc:
            log.info("could not tell %s that channel %s was lost: %s", owner, lost.chat_id, exc)
