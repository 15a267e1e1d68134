"""Forum groups: /route sends a topic's stories to the thread it is sent in, /unroute undoes it.

Only in supergroups with topics (forum) turned on; changing routes is for the
group's admins, listing (/route alone in a thread) for everyone. The sender
(``bot.delivery.sender``, ``bot.delivery.threads``) splits each digest by these routes.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import BriefbotContext, in_forum
from bot.handlers.topics import resolve_topics, topic_words
from bot.ui import texts
from bot.ui.i18n import N_, Translator
from storage import routes, subscribers

FORUM_HINT = N_(
    "In a group with topics, /route TOPIC inside a thread sends that topic's stories there; "
    "/unroute TOPIC undoes it."
)


def _lookup(context: BriefbotContext) -> dict[str, str]:
    """Topic aliases and names in other languages, lower-cased, to their slugs."""
    local = {
        name.lower(): slug
        for slug, named in context.deps.topic_names.items()
        for name in named.values()
    }
    return local | context.deps.aliases


def thread_of(update: Update) -> int | None:
    """The forum thread the message was sent in; None in the general thread or elsewhere."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def _explain_not_forum(update: Update, context: BriefbotContext) -> bool:
    """Say in one line that routing needs a group with topics; True when said."""
    if in_forum(update):
        return False
    await context.reply(context.t.gettext(
        "Routing works in groups with topics: turn on Topics in the group's settings, "
        "then send /route TOPIC inside a thread."
    ))  # fmt: skip
    return True


async def route(update: Update, context: BriefbotContext) -> None:
    """/route TOPIC… in a thread sends those topics there; /route alone lists what goes there."""
    if await _explain_not_forum(update, context):
        return
    t = context.t
    thread = thread_of(update)
    if thread is None:
        await context.reply(t.gettext(
            "Send /route TOPIC inside the thread that should get that topic's stories, "
            "e.g. /route ukraine."
        ))  # fmt: skip
        return
    words = topic_words(" ".join(context.args or []))
    if words and await context.refuse_non_admin():
        return
    errors: list[str] = []
    here: list[str] = []
    async with context.sessions.begin() as session:
        all_topics, names, _ = await context.catalogue(session)
        if not words:
            found = await subscribers.get_subscriber(session, context.chat_id)
            routed = await routes.routes_of(session, found.id) if found else {}
            here = [slug for slug, to in routed.items() if to == thread]
        slugs, errors = resolve_topics(words, all_topics, _lookup(context), t)
        if words and not errors:
            subscriber = await context.ensure_subscriber(session)
            for slug in slugs:
                await routes.route_topic(session, subscriber.id, slug, thread)
            unfollowed = [s for s in slugs if s not in subscriber.topic_slugs]
    if not words:
        await context.reply(_listing(here, names, t))
        return
    if errors:
        await context.reply("\n".join([*errors[:10], t.gettext("Nothing was changed.")]))
        return
    lines = [t.gettext("Stories on {topics} now go to this thread.").format(
        topics=texts.followed_names(slugs, names))]  # fmt: skip
    if unfollowed:
        lines.append(t.gettext("This group does not follow {topics} yet; /topics adds them.")
                     .format(topics=texts.followed_names(unfollowed, names)))  # fmt: skip
    await context.reply("\n".join(lines))


def _listing(here: list[str], names: dict[str, str], t: Translator) -> str:
    if not here:
        return t.gettext(
            "No topics go to this thread yet. Send /route TOPIC here, e.g. /route ukraine."
        )
    return t.gettext("Stories on {topics} go to this thread; /unroute TOPIC stops that.").format(
        topics=texts.followed_names(here, names)
    )


async def unroute(update: Update, context: BriefbotContext) -> None:
    """/unroute TOPIC…: those topics' stories go back to the general thread."""
    if await _explain_not_forum(update, context):
        return
    t = context.t
    words = topic_words(" ".join(context.args or []))
    if not words:
        await context.reply(t.gettext(
            "Usage: /unroute TOPIC, e.g. /unroute ukraine: its stories go back to the "
            "general thread."
        ))  # fmt: skip
        return
    if await context.refuse_non_admin():
        return
    async with context.sessions.begin() as session:
        all_topics, names, _ = await context.catalogue(session)
        slugs, errors = resolve_topics(words, all_topics, _lookup(context), t)
        removed = 0
        if not errors:
            subscriber = await context.ensure_subscriber(session)
            removed = await routes.unroute_topics(session, subscriber.id, slugs)
    chosen = texts.followed_names(slugs, names)
    if errors:
        text = "\n".join([*errors[:10], t.gettext("Nothing was changed.")])
    elif removed:
        text = t.gettext("Stories on {topics} now go to the general thread.").format(topics=chosen)
    else:
        text = t.gettext("{topics} had no thread of its own; nothing was changed.").format(
            topics=chosen
        )
    await context.reply(text)
