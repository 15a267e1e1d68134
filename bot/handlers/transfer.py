"""Moving settings: /export sends them as a JSON file; sending that file back restores them.

The file is read in full and validated before anything changes
(``bot.ui.settings_file``); a wrong, broken or oversized file gets one line
saying why. In groups only admins may restore, with /import as the caption.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.handlers.context import BriefbotContext, catalogue
from bot.handlers.preferences import settings_view
from bot.handlers.sources import preferred_names
from bot.ui import texts
from bot.ui.i18n import N_
from bot.ui.render import escape
from bot.ui.settings_file import (
    FILE_NAME,
    MAX_FILE_BYTES,
    SettingsFileError,
    dump_settings,
    load_settings,
)
from storage import mutes, preferred, subscribers
from storage.types import utcnow

log = logging.getLogger(__name__)

EXPORT_CAPTION = N_(
    "Your briefbot settings. Send this file back to me, here or in another chat, to restore them."
)


async def export(update: Update, context: BriefbotContext) -> None:
    """Send the chat's settings as a JSON file."""
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        muted = await mutes.list_mutes(session, subscriber.id)
        sources = await preferred_names(session, subscriber.id)
        data = dump_settings(subscriber, muted, utcnow(), sources)
    message = update.effective_message
    thread = message.message_thread_id if message and message.is_topic_message else None
    await context.bot.send_document(
        context.chat_id,
        data,
        filename=FILE_NAME,
        caption=context.t.gettext(EXPORT_CAPTION),
        message_thread_id=thread,
    )


async def import_hint(update: Update, context: BriefbotContext) -> None:
    """/import typed as text: say how to send the file."""
    await context.reply(context.t.gettext(texts.IMPORT_HINT))


async def import_file(update: Update, context: BriefbotContext) -> None:
    """A document sent to the bot: restore the settings in it, or say in one line why not."""
    message = update.effective_message
    document = message.document if message else None
    if document is None:
        return
    if await context.refuse_non_admin():
        return
    t = context.t
    if (document.file_size or 0) > MAX_FILE_BYTES:
        too_big = t.gettext(
            "That file is too big for a settings file (mine are under {max} KB). "
            "Send the file /export gave you."
        )
        await context.reply(too_big.format(max=MAX_FILE_BYTES // 1024))
        return
    try:
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download a settings file for chat %s: %s", context.chat_id, exc)
        failed = t.gettext("I couldn't download that file from Telegram; send it again.")
        await context.reply(failed)
        return
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        topics, _, _ = await catalogue(session)
        try:
            known = await preferred.known_sources(session)
            loaded = load_settings(data, {topic.slug for topic in topics}, t, known)
        except SettingsFileError as exc:
            text, markup = escape(str(exc)), None
        else:
            await subscribers.restore_preferences(session, context.chat_id, loaded.preferences)
            view, markup = await settings_view(session, context)
            notes = [escape(note) for note in loaded.notes]
            restored = t.gettext("✅ <b>Settings restored from your file.</b>")
            text = "\n".join([restored, *notes, "", view])
    await context.reply(text, markup)
