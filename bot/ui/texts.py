"""The bot's own words: welcome, help, settings, /why and /stats texts (pure).

Every text is a catalogue message (bot/i18n.py): functions take the reader's
``Translator`` (English when none is given) and constants are marked with ``N_``
and translated where they are sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time

from babel.dates import format_datetime

from bot.ui.i18n import N_, Translator, translator
from bot.ui.render import escape
from bot.ui.sources import preferred_line
from storage.models import StoryKeyword, StoryTopic, Subscriber
from storage.mutes import Mutes
from storage.states import DeliveryMode, SubscriberState
from storage.stats import Stats

COMMANDS: list[tuple[str, str]] = [
    ("start", N_("subscribe and choose topics")),
    ("topics", N_("choose the topics you follow")),
    ("digest", N_("your matching stories now")),
    ("story", N_("read story N of your latest digest")),
    ("why", N_("why story N was sent to you")),
    ("search", N_("search every stored story, e.g. /search tariffs -canada")),
    ("today", N_("today's stories on your topics")),
    ("yesterday", N_("yesterday's stories on your topics")),
    ("follow", N_("follow your own keywords")),
    ("unfollow", N_("stop following keywords")),
    ("time", N_("when your daily digest arrives, e.g. /time 07:30")),
    ("timezone", N_("your time zone, e.g. /timezone Europe/Kyiv")),
    ("mode", N_("digest, instant alerts, or both")),
    ("quiet", N_("hours without instant alerts, e.g. /quiet 23:00-07:00")),
    ("pause", N_("pause deliveries, e.g. /pause 3 (days)")),
    ("resume", N_("resume deliveries")),
    ("settings", N_("all your settings at a glance, and what you muted")),
    ("prefer", N_("the sources whose story shows an event, e.g. /prefer BBC, Guardian")),
    ("channel", N_("post a digest to a channel you run")),
    ("language", N_("the language I speak to you, e.g. /language uk")),
    ("export", N_("your settings as a file, to keep or move")),
    ("import", N_("restore settings from an /export file")),
    ("stop", N_("stop all messages (settings kept)")),
    ("forget", N_("delete everything stored about this chat")),
    ("help", N_("this list")),
]

MODES = {
    DeliveryMode.DIGEST: N_("a daily digest"),
    DeliveryMode.INSTANT: N_("instant alerts as stories arrive"),
    DeliveryMode.BOTH: N_("a daily digest and instant alerts"),
}

UNKNOWN_HINT = N_("I don't know {command}. Send /help for what I can do.")
TEXT_HINT = N_(
    "I answer commands: /digest for your stories, /topics to choose them, /help for all."
)
APOLOGY = N_("Sorry, something went wrong on my side. Please try again in a minute.")
GROUP_ADMINS_ONLY = N_("Only this group's admins can change my settings here.")


def commands(t: Translator | None = None) -> list[tuple[str, str]]:
    """The command menu in one language."""
    _ = (t or translator()).gettext
    return [(name, _(what)) for name, what in COMMANDS]


def followed_names(followed: Sequence[str], names: Mapping[str, str]) -> str:
    """The followed topics by display name, in catalogue order."""
    chosen = set(followed)
    return ", ".join(escape(name) for slug, name in names.items() if slug in chosen)


def welcome(
    created: bool,
    followed: Sequence[str],
    names: Mapping[str, str],
    t: Translator | None = None,
    closing: str | None = None,
) -> str:
    """The /start greeting: what the bot does, and what to do next with the topic picker
    below it (``closing``: said instead, once the picker is closed)."""
    _ = (t or translator()).gettext
    first = _("Welcome to briefbot!") if created else _("Welcome back!")
    lines = [
        _(
            "👋 <b>{first}</b> I split daily news briefs into single stories and send you the "
            "ones about the topics you follow: a digest every morning at 07:30, or alerts."
        ).format(first=first),
    ]
    if closing is not None:
        lines.append(closing)
    elif followed:
        lines.append(
            _("You follow: {topics}. Tap below to change that, or send /digest now.").format(
                topics=followed_names(followed, names)
            )
        )
    else:
        lines.append(_("Pick your topics below, then send /digest to read what matches."))
    lines.append(_("/help lists everything I can do."))
    return "\n\n".join(lines)


def help_text(t: Translator | None = None) -> str:
    _ = (t or translator()).gettext
    lines = ["<b>{}</b>".format(_("What I can do")), ""]
    lines += [f"/{name} — {escape(what)}" for name, what in commands(t)]
    lines += ["", _("In groups, only admins can change settings; everyone can read.")]
    return "\n".join(lines)


def topic_picker_text(
    followed: Sequence[str], names: Mapping[str, str], t: Translator | None = None
) -> str:
    _ = (t or translator()).gettext
    if not followed:
        return _("<b>Choose your topics</b>\nTap a topic to follow it; tap again to unfollow.")
    chosen = followed_names(followed, names)
    return _("<b>Choose your topics</b>\nYou follow: {topics}.\nTap a topic to toggle it.").format(
        topics=chosen
    )


def _state_line(subscriber: Subscriber, now: datetime, t: Translator | None = None) -> str:
    _ = (t or translator()).gettext
    if subscriber.state is SubscriberState.PAUSED:
        if subscriber.paused_until and subscriber.paused_until > now:
            language = (t or translator()).language
            when = format_datetime(
                subscriber.paused_until, "dd MMM HH:mm", tzinfo=UTC, locale=language
            )
            return _("paused until {when} UTC (/resume)").format(when=when)
        return _("paused (/resume to continue)")
    if subscriber.state is SubscriberState.STOPPED:
        return _("stopped (/start to resume)")
    if subscriber.state is SubscriberState.BLOCKED:
        return _("blocked")
    return _("active")


def effective_quiet(
    subscriber: Subscriber, default: tuple[time, time] | None
) -> tuple[time, time] | None:
    """The subscriber's quiet hours (their own, else ``default``); None when there are none."""
    start, end = subscriber.quiet_start, subscriber.quiet_end
    hours = (start, end) if start is not None and end is not None else default
    return None if hours is None or hours[0] == hours[1] else hours


def quiet_hours(
    subscriber: Subscriber, default: tuple[time, time] | None, t: Translator | None = None
) -> str:
    """The subscriber's quiet hours as "23:00–07:00", or "off"."""
    hours = effective_quiet(subscriber, default)
    if hours is None:
        return (t or translator()).gettext("off")
    return f"{hours[0]:%H:%M}–{hours[1]:%H:%M}"


def muted_text(mutes: Mutes, names: Mapping[str, str]) -> str:
    """What a subscriber muted: topic names, then “keywords”."""
    topics = [escape(names.get(slug, slug)) for slug in mutes.topics]
    return ", ".join(topics + [f"“{escape(k)}”" for k in mutes.keywords])


def settings_text(
    subscriber: Subscriber,
    names: Mapping[str, str],
    now: datetime,
    mutes: Mutes | None = None,
    t: Translator | None = None,
    quiet_default: tuple[time, time] | None = None,
    sources: Sequence[str] = (),
) -> str:
    """All of a subscriber's settings at a glance (``quiet_default``: the operator's
    quiet hours, for subscribers without their own; ``sources``: the preferred ones)."""
    _ = (t or translator()).gettext
    topics = followed_names(subscriber.topic_slugs, names) or _("none (/topics)")
    keywords = ", ".join(escape(k) for k in subscriber.keyword_list) or _("none (/follow WORD)")
    muted = (
        _("{muted} (tap 🔈 to unmute)").format(muted=muted_text(mutes, names))
        if mutes
        else _("nothing")
    )
    return "\n".join(
        [
            "<b>⚙️ {}</b>".format(_("Your settings")),
            _("Topics: {topics}").format(topics=topics),
            _("Keywords: {keywords}").format(keywords=keywords),
            _("Digest: every day at {time} ({zone})").format(
                time=f"{subscriber.digest_time:%H:%M}", zone=escape(subscriber.timezone)
            ),
            _("Mode: {mode}").format(mode=_(MODES[subscriber.mode])),
            _("Quiet hours (no instant alerts): {hours}").format(
                hours=quiet_hours(subscriber, quiet_default, t)
            ),
            preferred_line(sources, t),
            _("Deliveries: {state}").format(state=_state_line(subscriber, now, t)),
            _("Muted: {muted}").format(muted=muted),
        ]
    )


def why_text(
    n: int,
    title: str,
    topics: Sequence[StoryTopic],
    keywords: Sequence[StoryKeyword],
    followed: Sequence[str],
    own_keywords: Sequence[str],
    names: Mapping[str, str],
    *,
    searched: bool = False,
    t: Translator | None = None,
) -> str:
    """Which followed topics and keywords made story N match, with their terms
    (``searched``: the story was a /search result, not sent for what you follow)."""
    _ = (t or translator()).gettext

    def terms(found: Sequence[str]) -> str:
        return ", ".join(f"“{escape(term)}”" for term in found) or _("its keywords")

    lines = [_("<b>Why story {n}</b>: {title}").format(n=n, title=escape(title))]
    mine = [tag for tag in topics if tag.topic_slug in followed]
    mine_kw = [k for k in keywords if k.keyword in own_keywords]
    for tag in mine:
        name = escape(names.get(tag.topic_slug, tag.topic_slug))
        lines.append(_("• topic {name}: {terms}").format(name=name, terms=terms(tag.terms)))
    for hit in mine_kw:
        lines.append(
            _("• your keyword “{keyword}”: {terms}").format(
                keyword=escape(hit.keyword), terms=terms(hit.terms)
            )
        )
    if not mine and not mine_kw:
        tagged = ", ".join(escape(names.get(tag.topic_slug, tag.topic_slug)) for tag in topics)
        if searched:
            line = _("You found it with /search; it is tagged {topics}.")
            bare = _("You found it with /search.")
        else:
            line = _("It no longer matches what you follow; it is tagged {topics}.")
            bare = _("It no longer matches what you follow.")
        lines.append(line.format(topics=tagged) if tagged else bare)
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def stats_text(stats: Stats, names: Mapping[str, str]) -> str:
    """The admins' overview (operators' English, not translated): subscribers,
    followers per topic, feeds, stories, jobs."""
    subs = ", ".join(f"{state.value} {n}" for state, n in stats.subscribers.items())
    lines = ["<b>📊 briefbot stats</b>", f"Subscribers: {subs}", "Followers per topic:"]
    for slug, name in names.items():
        lines.append(f"  {escape(name)}: {stats.followers.get(slug, 0)}")
    lines.append(f"Feeds: {stats.feeds_total} ({stats.feeds_failing} failing)")
    for feed in stats.alerts:
        lines.append(f"  ⚠️ {escape(feed.title or feed.url)}: {escape(feed.alert_note or '')}")
    lines.append(f"Stories: {stats.stories}, last ingested {_when(stats.last_story_at)}")
    lines.append(f"Digests sent: {stats.digests}")
    for job in stats.jobs:
        state = f"error: {escape(job.last_error)}" if job.last_error else "ok"
        lines.append(f"Job {escape(job.name)}: last run {_when(job.last_success_at)} ({state})")
    if not stats.jobs:
        lines.append("Jobs: no ingest or digest run recorded yet")
    return "\n".join(lines)


NOTHING_FOLLOWED = N_(
    "You don't follow anything yet. Choose topics with /topics, or /follow a word."
)
NO_DIGEST = N_("You haven't received a digest yet. Send /digest for your stories now.")
NO_LONGER_STORED = N_("That digest is no longer stored. Send /digest for a new one.")
SEARCH_USAGE = N_('Usage: /search WORDS, e.g. /search tariffs -canada or /search "trade war".')
MUTED_TOPIC = N_("🔇 {name} muted: its stories are left out of your digests. Undo in /settings.")
MUTED_KEYWORD = N_("👎 Fewer stories mentioning “{word}” from now on. Undo in /settings.")
UNMUTED = N_("🔈 Unmuted: those stories come back.")
IMPORT_HINT = N_(
    "Send me the file /export gave you (as a file, not a photo) and I will restore your "
    "settings. In a group, add /import as the file's caption."
)


def search_heading(query: str, count: int, t: Translator | None = None) -> str:
    found = (t or translator()).ngettext(
        "🔎 <b>{query}</b> · {count} story, newest first",
        "🔎 <b>{query}</b> · {count} stories, newest first",
        count,
    )
    return found.format(query=escape(query), count=count)


def no_results(query: str, t: Translator | None = None) -> str:
    _ = (t or translator()).gettext
    return _("No stories match “{query}”. Try fewer words, or another spelling.").format(
        query=escape(query)
    )


def mute_menu_text(n: int, title: str, t: Translator | None = None) -> str:
    _ = (t or translator()).gettext
    return _(
        "<b>Hear less like story {n}</b>: {title}\n"
        "Mute one of its topics, or get fewer stories with its word. "
        "Undo any time in /settings."
    ).format(n=n, title=escape(title))
