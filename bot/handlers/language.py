"""/language: the language the bot speaks in this chat, by argument or by button."""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BriefbotContext
from bot.ui import keyboards
from bot.ui.i18n import LANGUAGES, normalise, translator
from storage import subscribers


async def language(update: Update, context: BriefbotContext) -> None:
    """/language uk or /language en sets the language; /language alone shows the choices."""
    t = context.t
    wanted = (context.args or [""])[0].strip().lower()
    if not wanted:
        text = t.gettext("<b>Language</b>: {name}. Tap to change it.").format(
            name=LANGUAGES[t.language]
        )
        await context.reply(text, keyboards.language_picker(t.language))
        return
    if wanted.replace("_", "-").split("-", 1)[0] not in LANGUAGES:
        choices = ", ".join(f"/language {code}" for code in LANGUAGES)
        usage = t.gettext("I don't speak “{language}” yet. Choose one: {choices}.")
        await context.reply(usage.format(language=wanted[:16], choices=choices))
        return
    if await context.refuse_non_admin():
        return
    await context.reply(await _choose(context, normalise(wanted)))


async def language_button(update: Update, context: BriefbotContext) -> None:
    """A tap on one of the /language buttons."""
    query = update.callback_query
    assert query is not None
    if await context.refuse_non_admin():
        return
    parsed = keyboards.parse_callback(query.data)
    code = parsed.args[0] if parsed and parsed.args else ""
    if code not in LANGUAGES:
        await query.answer()
        return
    text = await _choose(context, code)
    await query.answer()
    await context.edit(text, keyboards.language_picker(code))


async def _choose(context: BriefbotContext, code: str) -> str:
    """Store the language for this chat; the confirmation, in the new language."""
    async with context.sessions.begin() as session:
        await context.ensure_subscriber(session)
        await subscribers.set_language(session, context.chat_id, code)
    context.set_language(code)
    t = translator(code)
    return t.gettext("Done: language set to {name}. /help lists what I can do.").format(
        name=LANGUAGES[code]
    )
