"""Preferred sources: /prefer names the outlets whose story shows an event in digests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.handlers.context import BriefbotContext
from bot.ui import sources as naming
from bot.ui.i18n import N_, Translator
from bot.ui.render import escape
from storage import preferred

PREFER_USAGE = N_(
    "Change it with /prefer NAME, NAME… (the first comes first), e.g. /prefer {example}; "
    "/prefer off shows each event from its earliest source again."
)
CLEARED = N_("Done: each event is shown from its earliest source again.")
OFF_WORDS = {"off", "none", "clear"}


async def preferred_names(session: AsyncSession, subscriber_id: int) -> list[str]:
    """The subscriber's preferred sources by name, most preferred first."""
    known = await preferred.known_sources(session)
    chosen = await preferred.preferred_sources(session, subscriber_id)
    return [known[i] for i in chosen if i in known]


async def prefer(update: Update, context: BriefbotContext) -> None:
    """Which sources' stories show an event: /prefer BBC, Guardian; /prefer off; /prefer."""
    text = " ".join(context.args or []).strip()
    t = context.t
    if text and await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        subscriber = await context.ensure_subscriber(session)
        if text:
            _, reply = await choose(session, subscriber.id, text, t)
        else:
            known = await preferred.known_sources(session)
            names = await preferred_names(session, subscriber.id)
            reply = _overview(names, list(known.values()), t)
    await context.reply(reply)


async def choose(
    session: AsyncSession, subscriber_id: int, text: str, t: Translator
) -> tuple[bool, str]:
    """Set the subscriber's preferred sources from what was typed ("off" clears them):
    whether they changed, and the line to answer (what was wrong, or what is set)."""
    known = await preferred.known_sources(session)
    if text.casefold() in OFF_WORDS:
        await preferred.set_preferred_sources(session, subscriber_id, [])
        return True, t.gettext(CLEARED)
    resolved = naming.resolve_words(text, known)
    if problem := naming.problem(resolved, list(known.values()), t):
        return False, problem
    if len(resolved.ids) > naming.MAX_PREFERRED:
        too_many = t.gettext("Too many sources ({count}); I keep at most {max}.")
        return False, too_many.format(count=len(resolved.ids), max=naming.MAX_PREFERRED)
    await preferred.set_preferred_sources(session, subscriber_id, resolved.ids)
    done = t.gettext(
        "Done: an event several sources report is shown from the first of "
        "these that has it: {sources}."
    )
    return True, done.format(sources=naming.listed([known[i] for i in resolved.ids]))


def _overview(names: list[str], known: list[str], t: Translator) -> str:
    lines = [naming.preferred_line(names, t)]
    if known:
        example = escape(", ".join(naming.short_name(name) for name in known[:2]))
        lines.append(t.gettext(PREFER_USAGE).format(example=example))
        lines.append(t.gettext("My sources: {sources}.").format(sources=naming.listed(known)))
    else:
        lines.append(t.gettext("I have no sources yet, so there is nothing to prefer."))
    return "\n".join(lines)
