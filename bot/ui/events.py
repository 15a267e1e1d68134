"""Showing an event once: pure functions from a digest's stories and their events' versions.

A digest's list keeps every story and its number (so /story N opens any of
them); the message shows each event once, at the place of the first of its
stories in the list, as the story of the reader's most preferred source among
them (``preferred``, their /prefer list), else as the earliest, with "also: BBC,
NYT" naming the other outlets that reported it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton

from bot.ui.i18n import Translator, translator
from bot.ui.render import escape, render_digest
from storage.events import Version
from storage.models import Story

MAX_VERSION_BUTTONS = 6


@dataclass(frozen=True, slots=True)
class Entry:
    """A line of a digest: the story shown, its number in the digest, the other outlets."""

    number: int
    story: Story
    also: tuple[str, ...] = ()


def collapse(
    stories: Sequence[Story],
    versions: Mapping[int, Sequence[Version]],
    numbers: Sequence[int] | None = None,
    hidden: Collection[int] = (),
    preferred: Sequence[int] = (),
) -> list[Entry]:
    """Each event of ``stories`` once (numbers 1, 2, 3… unless given), leaving out the
    stories of ``hidden`` (later stories of events the reader got that bring nothing new),
    shown as the story of the first source of ``preferred`` (feed ids) that has one."""
    numbered = [
        (n, story)
        for n, story in zip(numbers or range(1, len(stories) + 1), stories, strict=True)
        if story.id not in hidden
    ]
    by_event: dict[int, list[tuple[int, Story]]] = {}
    order: list[int | tuple[int, Story]] = []
    for n, story in numbered:
        event = versions[story.id][0].event_id if versions.get(story.id) else None
        if event is None:
            order.append((n, story))
            continue
        if event not in by_event:
            by_event[event] = []
            order.append(event)
        by_event[event].append((n, story))
    entries = []
    for place in order:
        if isinstance(place, tuple):
            entries.append(Entry(*place))
            continue
        members = by_event[place]
        n, shown = choose(members, versions[members[0][1].id], preferred)
        entries.append(Entry(n, shown, also_sources(versions[shown.id], shown.id)))
    return entries


def choose(
    members: Sequence[tuple[int, Story]], versions: Sequence[Version], preferred: Sequence[int]
) -> tuple[int, Story]:
    """The numbered story that shows an event: of the most preferred source, else the
    earliest (then the first in the list)."""
    times = {v.story_id: v.at for v in versions}
    rank = {feed_id: i for i, feed_id in enumerate(preferred)}
    place = {v.story_id: rank.get(v.feed_id, len(rank)) for v in versions if v.feed_id}
    return min(members, key=lambda m: (place.get(m[1].id, len(rank)), times.get(m[1].id), m[0]))


def also_sources(versions: Sequence[Version], shown_id: int) -> tuple[str, ...]:
    """The other outlets of an event, in the order they reported it, each once."""
    mine = next((v.source for v in versions if v.story_id == shown_id), None)
    names: list[str] = []
    for v in versions:
        if v.story_id != shown_id and v.source != mine and v.source not in names:
            names.append(v.source)
    return tuple(names)


def also_line(sources: Sequence[str], t: Translator | None = None) -> str:
    """ "also: BBC, NYT" (escaped HTML)."""
    label = (t or translator()).gettext("also: {sources}")
    return escape(label.format(sources=", ".join(sources)))


def version_buttons(versions: Sequence[Version], shown_id: int) -> list[InlineKeyboardButton]:
    """A button per other outlet's version of the event, opening its article."""
    buttons: list[InlineKeyboardButton] = []
    for v in versions:
        if v.story_id != shown_id and v.url and len(buttons) < MAX_VERSION_BUTTONS:
            buttons.append(InlineKeyboardButton(f"🔗 {v.source}"[:40], url=v.url))
    return buttons


def render_events_digest(
    stories: Sequence[Story],
    versions: Mapping[int, Sequence[Version]],
    emojis: Mapping[str, str],
    *,
    heading: str,
    more_count: int = 0,
    t: Translator | None = None,
    numbers: Sequence[int] | None = None,
    hidden: Collection[int] = (),
    updates: Collection[int] = (),
    preferred: Sequence[int] = (),
) -> tuple[str, list[int]]:
    """A digest showing each event once, and the numbers it shows; the stories of
    ``updates`` are marked as updates of events the reader got before."""
    entries = collapse(stories, versions, numbers, hidden, preferred)
    text = render_digest(
        [e.story for e in entries],
        emojis,
        heading=heading,
        more_count=more_count,
        t=t,
        numbers=[e.number for e in entries],
        also={e.story.id: also_line(e.also, t) for e in entries if e.also},
        updates=updates,
    )
    return text, [e.number for e in entries]


def why_grouped(
    story_id: int,
    versions: Sequence[Version],
    matched: Version | None,
    shared: Sequence[str],
    score: float | None,
    t: Translator | None = None,
    preferred: bool = False,
) -> str:
    """Why a story was grouped with others into one event (escaped HTML), or "" when alone;
    ``preferred``: its source is one the reader prefers, so digests show this story."""
    _ = (t or translator()).gettext
    others = [v for v in versions if v.story_id != story_id]
    if not others:
        return ""
    outlets = ", ".join(dict.fromkeys(v.source for v in others))
    head = (t or translator()).ngettext(
        "It is one event with {count} other story ({outlets}).",
        "It is one event with {count} other stories ({outlets}).",
        len(others),
    )
    lines = [escape(head.format(count=len(others), outlets=outlets))]
    if matched is not None and shared:
        line = _("It was grouped with “{title}” ({source}): they share {terms}, score {score}.")
        lines.append(
            escape(
                line.format(
                    title=matched.title,
                    source=matched.source,
                    terms=", ".join(shared[:6]),
                    score=f"{score:.2f}" if score is not None else "?",
                )
            )
        )
    else:
        lines.append(escape(_("It was the first story of its event; the others joined it.")))
    if preferred:
        mine = next((v.source for v in versions if v.story_id == story_id), "")
        line = _(
            "It is the one shown for its event: {source} comes first of your preferred sources."
        )
        lines.append(escape(line.format(source=mine)))
    return "\n".join(lines)
