"""Rendering for Telegram's HTML parse mode: pure functions from data to text.

Every piece of feed text goes through ``escape``. ``split_message`` cuts a
long message into parts Telegram accepts: at most 4096 UTF-16 code units of
visible text and at most 100 formatting entities each, cut at a paragraph
boundary when there is one, never inside a tag or an HTML entity, and with
tags closed at the end of a part and reopened at the start of the next.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.ui.i18n import Translator, translator
from storage.models import Story

MAX_MESSAGE = 4096
MAX_ENTITIES = 100
TEASER_CHARS = 220

_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|.", re.S)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
_TAGS = re.compile(r"<[^<>]*>")
# Where an entity may start: an opening tag, or a /command after a space or a tag.
_ENTITY_START = re.compile(r"<(?!/)|(?:^|(?<=[\s>]))/")


def escape(text: str) -> str:
    """Feed text made safe for HTML parse mode: <, > and & become entities."""
    return html.escape(text, quote=False)


def escape_attribute(text: str) -> str:
    return html.escape(text, quote=True)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def html_to_plain(markup: str) -> str:
    """The visible text of a message: tags dropped, entities decoded."""
    return html.unescape(_TAGS.sub("", markup))


def teaser(text: str, max_chars: int = TEASER_CHARS) -> str:
    """The first sentence (two when the first is short), cut at a word under ``max_chars``."""
    flat = " ".join(text.split())
    sentences = _SENTENCE_END.split(flat, maxsplit=2)
    result = sentences[0]
    if len(result) < max_chars // 2 and len(sentences) > 1:
        result = f"{result} {sentences[1]}"
    if len(result) > max_chars:
        cut = result[:max_chars].rsplit(" ", 1)[0].rstrip(",;:—–-")
        result = cut + "…"
    return result


def _atom_cost(atom: str) -> int:
    if atom.startswith("<") and atom.endswith(">"):
        return 0
    if atom.startswith("&") and len(atom) > 1:
        return utf16_len(html.unescape(atom))
    return utf16_len(atom)


def _closing(tag: str) -> str:
    match = _TAG_NAME.match(tag)
    return f"</{match.group(1)}>" if match else ""


def _is_open(atom: str) -> bool:
    return atom.startswith("<") and not atom.startswith("</") and atom.endswith(">")


@dataclass
class _Cut:
    priority: float
    index: int
    stack: list[str]
    length: int = 0


def _cut_priority(atoms: list[str], j: int) -> float:
    """How good a place the gap after atom j is to cut at (0: not a place)."""
    atom = atoms[j]
    if atom == "\n":
        return 3.0 if j > 0 and atoms[j - 1] == "\n" else 2.0
    if atom.isspace():
        return 1.5 if j > 0 and atoms[j - 1] in ".!?…" else 1.0
    return 0.0


def _scan(
    atoms: list[str], start: int, opening: list[str], limit: int, max_entities: int
) -> _Cut | None:
    """Where the part starting at ``start`` must end, or None when the rest fits."""
    stack = list(opening)
    length, entities = 0, len(opening)
    cuts: list[_Cut] = []
    for j in range(start, len(atoms)):
        atom = atoms[j]
        is_command = atom == "/" and (j == 0 or atoms[j - 1].isspace() or atoms[j - 1][-1] == ">")
        cost = _atom_cost(atom)
        adds = 1 if _is_open(atom) or is_command else 0
        if length + cost > limit or entities + adds > max_entities:
            return _best_cut(cuts, length) or _Cut(0.0, max(j, start + 1), stack)
        length += cost
        entities += adds
        if _is_open(atom):
            stack.append(atom)
        elif atom.startswith("</") and stack:
            stack.pop()
        priority = _cut_priority(atoms, j)
        if priority:
            cuts.append(_Cut(priority, j + 1, list(stack), length))
    return None


def _best_cut(cuts: list[_Cut], length: int) -> _Cut | None:
    """The best boundary in the second half of the part, else the last one there is."""
    late = [c for c in cuts if c.length >= length // 2]
    if not late:
        return cuts[-1] if cuts else None
    return max(late, key=lambda c: (c.priority, c.index))


def split_message(
    markup: str, limit: int = MAX_MESSAGE, max_entities: int = MAX_ENTITIES
) -> list[str]:
    """Cut ``markup`` into messages Telegram accepts, preferring paragraph boundaries."""
    if utf16_len(markup) <= limit and len(_ENTITY_START.findall(markup)) <= max_entities:
        # Fits whole (the visible text is never longer than the markup): no scan needed.
        body = markup.rstrip()
        return [body] if html_to_plain(body).strip() else [markup]
    atoms = _ATOM.findall(markup)
    parts: list[str] = []
    start, opening = 0, list[str]()
    while start < len(atoms):
        cut = _scan(atoms, start, opening, limit, max_entities)
        end = len(atoms) if cut is None else cut.index
        stack = [] if cut is None else cut.stack
        body = "".join(opening) + "".join(atoms[start:end]).rstrip()
        body += "".join(_closing(tag) for tag in reversed(stack))
        if html_to_plain(body).strip():
            parts.append(body)
        start, opening = end, stack
        while start < len(atoms) and atoms[start].isspace():
            start += 1
    return parts or [markup]


def story_emojis(story: Story, emojis: Mapping[str, str]) -> str:
    """The emoji of every topic a story is tagged with, in catalogue order."""
    tagged = {tag.topic_slug for tag in story.tags}
    return "".join(e for slug, e in emojis.items() if slug in tagged and e)


def render_digest(
    stories: Sequence[Story],
    emojis: Mapping[str, str],
    *,
    heading: str,
    more_count: int = 0,
    t: Translator | None = None,
    numbers: Sequence[int] | None = None,
    also: Mapping[int, str] | None = None,
    updates: Collection[int] = (),
) -> str:
    """A numbered digest: emoji, bold title, a teaser, and a tappable /story_N for each.

    ``numbers`` are the stories' numbers in their digest when this is a part of
    it (one forum thread's share, or each event once); 1, 2, 3… otherwise.
    ``also`` holds, by story id, the line naming an event's other outlets;
    the stories of ``updates`` are marked as updates of an event sent before.
    """
    update = (t or translator()).gettext("update") if updates else ""
    lines = [heading]
    for n, story in zip(numbers or range(1, len(stories) + 1), stories, strict=True):
        marks = story_emojis(story, emojis)
        prefix = f"{n}. {marks} " if marks else f"{n}. "
        if story.id in updates:
            prefix = f"{prefix}🔄 <i>{escape(update)}</i> · "
        other = f"\n<i>{also[story.id]}</i>" if also and story.id in also else ""
        lines.append(
            f"{prefix}<b>{escape(story.title)}</b>\n{escape(teaser(story.text))}{other}\n/story_{n}"
        )
    if more_count:
        more = (t or translator()).ngettext(
            "…and {count} more. Send /digest again for the next ones.",
            "…and {count} more. Send /digest again for the next ones.",
            more_count,
        )
        lines.append(more.format(count=more_count))
    return "\n\n".join(lines)


def render_channel_digest(
    stories: Sequence[Story],
    emojis: Mapping[str, str],
    *,
    heading: str,
    bot_username: str,
    t: Translator | None = None,
) -> str:
    """A digest for a channel: no /story commands or buttons, which only its readers'
    own chats could answer; each story's link, and a deep link to open it in the bot."""
    _ = (t or translator()).gettext
    lines = [heading]
    for n, story in enumerate(stories, 1):
        marks = story_emojis(story, emojis)
        links = []
        if story.url:
            links.append(f'<a href="{escape_attribute(story.url)}">{_("Source")}</a>')
        if bot_username:
            link = f"https://t.me/{bot_username}?start=story_{story.id}"
            links.append(f'<a href="{escape_attribute(link)}">{_("Read in full")}</a>')
        prefix = f"{n}. {marks} " if marks else f"{n}. "
        text = f"{prefix}<b>{escape(story.title)}</b>\n{escape(teaser(story.text))}"
        lines.append(text + ("\n" + " · ".join(links) if links else ""))
    return "\n\n".join(lines)


def render_story(
    story: Story, emojis: Mapping[str, str], *, n: int | None = None, t: Translator | None = None
) -> str:
    """A story in full: title, every paragraph, and the link to the source."""
    marks = story_emojis(story, emojis)
    number = f"{n}. " if n is not None else ""
    title = f"{marks} " if marks else ""
    blocks = [f"{title}<b>{number}{escape(story.title)}</b>"]
    blocks += [escape(p.strip()) for p in story.text.splitlines() if p.strip()]
    if story.url:
        source = (t or translator()).gettext("Read it at the source")
        blocks.append(f'<a href="{escape_attribute(story.url)}">{source}</a>')
    return "\n\n".join(blocks)


def render_story_list(
    stories: Sequence[Story], emojis: Mapping[str, str], t: Translator | None = None
) -> str:
    """The titles of the latest digest, each with its /story_N."""
    lines = ["<b>{}</b>".format((t or translator()).gettext("Your latest digest"))]
    for n, story in enumerate(stories, 1):
        marks = story_emojis(story, emojis)
        lines.append(f"/story_{n} {marks + ' ' if marks else ''}{escape(story.title)}")
    return "\n".join(lines)
