"""/language: the language the bot speaks in this chat, by argument or by button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import chat_id, deps, edit, refuse_non_admin, reply, set_language, tr
from bot.handlers.topics import ensure_subscriber
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGES, normalise, translator
from storage import subscribers


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language uk or /language en sets the language; /language alone shows the choices."""
    t = tr(update, context)
    wanted = (context.args or [""])[0].strip().lower()
    if not wanted:
        text = t.gettext("<b>Language</b>: {name}. Tap to change it.").format(
            name=LANGUAGES[t.language]
        )
        await reply(update, context, text, keyboards.language_picker(t.language))
        return
    if wanted.replace("_", "-").split("-", 1)[0] not in LANGUAGES:
        choices = ", ".join(f"/language {code}" for code in LANGUAGES)
        usage = t.gettext("I don't speak “{language}” yet. Choose one: {choices}.")
        await reply(update, context, usage.format(language=wanted[:16], choices=choices))
        return
    if await refuse_non_admin(update, context):
        return
    await reply(update, context, await _choose(update, context, normalise(wanted)))


async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on one of the /language buttons."""
    query = update.callback_query
    assert query is not None
    if await refuse_non_admin(update, context):
        return
    parsed = keyboards.parse_callback(query.data)
    code = parsed.args[0] if parsed and parsed.args else ""
    if code not in LANGUAGES:
        await query.answer()
        return
    text = await _choose(update, context, code)
    await query.answer()
    await edit(update, text, keyboards.language_picker(code))


async def _choose(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> str:
    """Store the language for this chat; the confirmation, in the new language."""
    async with deps(context).sessions.begin() as session:
        await ensure_subscriber(session, update)
        await subscribers.set_language(session, chat_id(update), code)
    set_language(context, code)
    t = translator(code)
    return t.gettext("Done: language set to {name}. /help lists what I can do.").format(
        name=LANGUAGES[code]
    )
