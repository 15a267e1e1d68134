"""The bot's own words: welcome, help, settings, /why and /stats texts (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.render import escape
from storage.models import DeliveryMode, StoryKeyword, StoryTopic, Subscriber, SubscriberState
from storage.stats import Stats

COMMANDS: list[tuple[str, str]] = [
    ("start", "subscribe and choose topics"),
    ("topics", "choose the topics you follow"),
    ("digest", "your matching stories now"),
    ("story", "read story N of your latest digest"),
    ("why", "why story N was sent to you"),
    ("follow", "follow your own keywords"),
    ("unfollow", "stop following keywords"),
    ("time", "when your daily digest arrives, e.g. /time 07:30"),
    ("timezone", "your time zone, e.g. /timezone Europe/Kyiv"),
    ("mode", "digest, instant alerts, or both"),
    ("pause", "pause deliveries, e.g. /pause 3 (days)"),
    ("resume", "resume deliveries"),
    ("settings", "all your settings at a glance"),
    ("stop", "stop all messages (settings kept)"),
    ("forget", "delete everything stored about this chat"),
    ("help", "this list"),
]

MODES = {
    DeliveryMode.DIGEST: "a daily digest",
    DeliveryMode.INSTANT: "instant alerts as stories arrive",
    DeliveryMode.BOTH: "a daily digest and instant alerts",
}

UNKNOWN_HINT = "I don't know {command}. Send /help for what I can do."
TEXT_HINT = "I answer commands: /digest for your stories, /topics to choose them, /help for all."
APOLOGY = "Sorry, something went wrong on my side. Please try again in a minute."
GROUP_ADMINS_ONLY = "Only this group's admins can change my settings here."


def followed_names(followed: Sequence[str], names: Mapping[str, str]) -> str:
    """The followed topics by display name, in catalogue order."""
    chosen = set(followed)
    return ", ".join(escape(name) for slug, name in names.items() if slug in chosen)


def welcome(created: bool, followed: Sequence[str], names: Mapping[str, str]) -> str:
    """The /start greeting: what the bot does, and what to do next."""
    first = "Welcome to briefbot!" if created else "Welcome back!"
    lines = [
        f"👋 <b>{first}</b> I split daily news briefs into single stories and send you "
        "the ones about the topics you follow: a digest every morning at 07:30, or alerts.",
    ]
    if followed:
        lines.append(
            f"You follow: {followed_names(followed, names)}. "
            "Tap below to change that, or send /digest now."
        )
    else:
        lines.append("Pick your topics below, then send /digest to read what matches.")
    lines.append("/help lists everything I can do.")
    return "\n\n".join(lines)


def help_text() -> str:
    lines = ["<b>What I can do</b>", ""]
    lines += [f"/{name} — {escape(what)}" for name, what in COMMANDS]
    lines += ["", "In groups, only admins can change settings; everyone can read."]
    return "\n".join(lines)


def topic_picker_text(followed: Sequence[str], names: Mapping[str, str]) -> str:
    if not followed:
        return "<b>Choose your topics</b>\nTap a topic to follow it; tap again to unfollow."
    chosen = followed_names(followed, names)
    return f"<b>Choose your topics</b>\nYou follow: {chosen}.\nTap a topic to toggle it."


def _state_line(subscriber: Subscriber, now: datetime) -> str:
    if subscriber.state is SubscriberState.PAUSED:
        if subscriber.paused_until and subscriber.paused_until > now:
            return f"paused until {subscriber.paused_until:%d %b %H:%M} UTC (/resume)"
        return "paused (/resume to continue)"
    if subscriber.state is SubscriberState.STOPPED:
        return "stopped (/start to resume)"
    if subscriber.state is SubscriberState.BLOCKED:
        return "blocked"
    return "active"


def settings_text(subscriber: Subscriber, names: Mapping[str, str], now: datetime) -> str:
    """All of a subscriber's settings at a glance."""
    topics = followed_names(subscriber.topic_slugs, names) or "none (/topics)"
    keywords = ", ".join(escape(k) for k in subscriber.keyword_list) or "none (/follow WORD)"
    return "\n".join(
        [
            "<b>⚙️ Your settings</b>",
            f"Topics: {topics}",
            f"Keywords: {keywords}",
            f"Digest: every day at {subscriber.digest_time:%H:%M} ({escape(subscriber.timezone)})",
            f"Mode: {MODES[subscriber.mode]}",
            f"Deliveries: {_state_line(subscriber, now)}",
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
) -> str:
    """Which followed topics and keywords made story N match, with their terms."""

    def terms(found: Sequence[str]) -> str:
        return ", ".join(f"“{escape(t)}”" for t in found) or "its keywords"

    lines = [f"<b>Why story {n}</b>: {escape(title)}"]
    mine = [t for t in topics if t.topic_slug in followed]
    mine_kw = [k for k in keywords if k.keyword in own_keywords]
    for tag in mine:
        lines.append(
            f"• topic {escape(names.get(tag.topic_slug, tag.topic_slug))}: {terms(tag.terms)}"
        )
    for hit in mine_kw:
        lines.append(f"• your keyword “{escape(hit.keyword)}”: {terms(hit.terms)}")
    if not mine and not mine_kw:
        tagged = ", ".join(escape(names.get(t.topic_slug, t.topic_slug)) for t in topics)
        lines.append(
            "It no longer matches what you follow"
            + (f"; it is tagged {tagged}." if tagged else ".")
        )
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def stats_text(stats: Stats, names: Mapping[str, str]) -> str:
    """The admins' overview: subscribers, followers per topic, feeds, stories, jobs."""
    subs = ", ".join(f"{state.value} {n}" for state, n in stats.subscribers.items())
    lines = ["<b>📊 briefbot stats</b>", f"Subscribers: {subs}", "Followers per topic:"]
    for slug, name in names.items():
        lines.append(f"  {escape(name)}: {stats.followers.get(slug, 0)}")
    lines.append(f"Feeds: {stats.feeds_total} ({stats.feeds_failing} failing)")
    lines.append(f"Stories: {stats.stories}, last ingested {_when(stats.last_story_at)}")
    lines.append(f"Digests sent: {stats.digests}")
    for job in stats.jobs:
        state = f"error: {escape(job.last_error)}" if job.last_error else "ok"
        lines.append(f"Job {escape(job.name)}: last run {_when(job.last_success_at)} ({state})")
    if not stats.jobs:
        lines.append("Jobs: no ingest or digest run recorded yet")
    return "\n".join(lines)
