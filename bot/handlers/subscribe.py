"""Subscribing and leaving: /start (with deep links), /stop, /forget, and chat-member changes."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType

from bot.handlers import channels
from bot.handlers.context import BriefbotContext, in_group
from bot.handlers.topics import deep_link_topics, welcome_picker
from bot.ui import keyboards
from storage import subscribers

log = logging.getLogger(__name__)

GONE = {ChatMember.BANNED, ChatMember.LEFT}


async def start(update: Update, context: BriefbotContext) -> None:
    """Subscribe this chat (deep link: its topics too), greet, and show the topic picker."""
    if await context.refuse_non_admin():
        return
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    payload = context.args[0] if context.args else ""
    async with context.sessions.begin() as session:
        subscriber, created = await subscribers.subscribe(
            session,
            chat.id,
            user_id=user.id if user else None,
            chat_type=chat.type,
            language=user.language_code if user else None,
        )
        context.set_language(subscriber.language)
        topics, names, _ = await context.catalogue(session)
        wanted = deep_link_topics(payload, [t.slug for t in topics])
        if wanted:
            subscriber = await subscribers.set_topics(
                session, chat.id, set(subscriber.topic_slugs) | set(wanted)
            )
        followed = subscriber.topic_slugs
    # One message: the welcome with the topic picker under it.
    greeting = keyboards.WELCOME_NEW if created else keyboards.WELCOME_BACK
    await context.reply(*welcome_picker(context, greeting, topics, followed, names))


async def stop(update: Update, context: BriefbotContext) -> None:
    """Send nothing more to this chat, keeping its preferences for a later /start."""
    if await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        stopped = await subscribers.unsubscribe(session, context.chat_id)
    t = context.t
    if stopped:
        text = t.gettext(
            "Stopped: I won't send you anything more. Your topics and settings are kept; "
            "/start resumes, /forget deletes them."
        )
    else:
        text = t.gettext(
            "This chat isn't subscribed, so there is nothing to stop. /start subscribes."
        )
    await context.reply(text)


async def forget(update: Update, context: BriefbotContext) -> None:
    """Ask for confirmation before deleting everything stored about this chat."""
    if await context.refuse_non_admin():
        return
    t = context.t
    await context.reply(
        t.gettext(
            "This deletes everything I store about this chat: topics, keywords, settings and "
            "the digests you received. Are you sure?"
        ),
        keyboards.forget_confirmation(t),
    )


async def forget_button(update: Update, context: BriefbotContext) -> None:
    """Delete everything after the confirm button, or keep it after Cancel."""
    query = update.callback_query
    assert query is not None
    if await context.refuse_non_admin():
        return
    parsed = keyboards.parse_callback(query.data)
    choice = parsed.args[0] if parsed and parsed.args else "no"
    t = context.t
    if choice == "ask":
        await query.answer()
        await context.reply(t.gettext("Are you sure?"), keyboards.forget_confirmation(t))
        return
    if choice != "yes":
        await query.answer(t.gettext("Kept"))
        await context.edit(t.gettext("Nothing was deleted."))
        return
    async with context.sessions.begin() as session:
        deleted = await subscribers.forget(session, context.chat_id)
    context.set_language(None)
    await query.answer(t.gettext("Deleted"))
    await context.edit(
        t.gettext("Done: everything about this chat is deleted. /start begins again.")
        if deleted
        else t.gettext("There was nothing stored about this chat."),
    )


async def member_changed(update: Update, context: BriefbotContext) -> None:
    """The bot was blocked, removed or added: mark the subscriber, or say hello to a group."""
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    if chat.type == ChatType.CHANNEL:
        await channels.member_changed(update, context)
        return
    new, old = change.new_chat_member.status, change.old_chat_member.status
    if new in GONE:
        async with context.sessions.begin() as session:
            marked = await subscribers.mark_blocked(session, chat.id)
        log.info("chat %s blocked or removed the bot (subscriber marked: %s)", chat.id, marked)
    elif old in GONE and in_group(update):
        await context.reply(
            context.t.gettext(
                "Hello! I send news stories by topic. A group admin can send /start to "
                "subscribe this group and choose its topics."
            ),
        )


async def chat_migrated(update: Update, context: BriefbotContext) -> None:
    """A group became a supergroup: keep its subscription under the new chat id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with context.sessions.begin() as session:
        moved = await subscribers.migrate_chat(session, old, new)
    if moved:
        log.info("group %s moved to supergroup %s", old, new)
