"""Reading the topics and feeds files (TOML) into plain data.

A mistake in either file raises ``CatalogueError`` naming the file, the entry
and what to change.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from jobs.errors import CatalogueError
from storage import db
from storage.feeds import add_feed, mark_defaults_seeded
from storage.topics import TopicRow, sync_topics

SLUG = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


@dataclass(frozen=True, slots=True)
class TopicDefinition:
    slug: str
    name: str
    emoji: str = ""
    keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict, hash=False)  # {"uk": "Україна"}
    context: tuple[str, ...] = ()  # weak evidence: half a mention each
    adjectives: tuple[str, ...] = ()  # "British": a keyword in a title, half a mention in text
    venues: tuple[str, ...] = ()  # "Olympics": the topic's places in the text are only venues
    ignore: tuple[str, ...] = ()  # phrases whose words are no evidence ("trade union")
    ambiguous: tuple[str, ...] = ()  # other senses too ("Turkey"): evidence only beside other terms
    defer_to: tuple[str, ...] = ()  # topics that take the story unless the title says otherwise

    @property
    def terms(self) -> tuple[str, ...]:
        """The strong evidence: keywords, then aliases."""
        return self.keywords + self.aliases

    @property
    def evidence(self) -> tuple[str, ...]:
        """Every term that can earn the tag: keywords, aliases, adjectives, then context terms."""
        return self.terms + self.adjectives + self.context


@dataclass(frozen=True, slots=True)
class FeedDefinition:
    url: str
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None


def _strings(path: Path, where: str, value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(f"{path}: {where}: {name} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _names(path: Path, where: str, entry: dict[str, Any]) -> dict[str, str]:
    """The optional names in other languages: ``name_uk = "Україна"`` gives {"uk": ...}."""
    names = {}
    for key, value in entry.items():
        if key.startswith("name_"):
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(f"{path}: {where}: {key} must be a non-empty string")
            names[key.removeprefix("name_").lower()] = value.strip()
    return names


def load_topics(path: Path) -> list[TopicDefinition]:
    """The topics of a topics file, in file order."""
    data = _read(path)
    entries = data.get("topic")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path}: no [[topic]] entries")
    topics: list[TopicDefinition] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        slug = entry.get("slug")
        where = f"topic {i} ({slug!r})"
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise CatalogueError(
                f"{path}: {where}: slug must be lower-case letters, digits and dashes, "
                "starting with a letter, at most 32 characters"
            )
        if slug in seen:
            raise CatalogueError(f"{path}: {where}: slug {slug!r} is defined twice")
        seen.add(slug)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CatalogueError(f"{path}: {where}: name is missing")
        keywords = _strings(path, where, entry.get("keywords"), "keywords")
        if not keywords:
            raise CatalogueError(f"{path}: {where}: needs at least one keyword")
        topics.append(
            TopicDefinition(
                slug=slug,
                name=name.strip(),
                emoji=str(entry.get("emoji", "")).strip(),
                keywords=keywords,
                aliases=_strings(path, where, entry.get("aliases"), "aliases"),
                exclude=_strings(path, where, entry.get("exclude"), "exclude"),
                names=_names(path, where, entry),
                context=_strings(path, where, entry.get("context"), "context"),
                adjectives=_strings(path, where, entry.get("adjectives"), "adjectives"),
                venues=_strings(path, where, entry.get("venues"), "venues"),
                ignore=_strings(path, where, entry.get("ignore"), "ignore"),
                ambiguous=_strings(path, where, entry.get("ambiguous"), "ambiguous"),
                defer_to=_strings(path, where, entry.get("defer_to"), "defer_to"),
            )
        )
        stray = [t for t in topics[-1].ambiguous if t not in topics[-1].evidence]
        if stray:
            raise CatalogueError(
                f"{path}: {where}: ambiguous names {', '.join(map(repr, stray))}, which is not "
                "one of the topic's keywords, aliases, adjectives or context terms; add it to "
                "one of them or take it out of ambiguous"
            )
    for topic in topics:
        unknown = [slug for slug in topic.defer_to if slug not in seen or slug == topic.slug]
        if unknown:
            raise CatalogueError(
                f"{path}: topic {topic.slug!r}: defer_to names {', '.join(unknown)}, "
                "which is not another topic of this file"
            )
    return topics


def load_feeds(path: Path) -> list[FeedDefinition]:
    """The feeds of a feeds file, in file order."""
    data = _read(path)
    entries = data.get("feed", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: [[feed]] entries expected")
    feeds = []
    for i, entry in enumerate(entries, 1):
        url = entry.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise CatalogueError(f"{path}: feed {i}: url must be an http(s) URL, got {url!r}")
        title = entry.get("title")
        extra = {k: v for k, v in entry.items() if k not in {"url", "title"}}
        feeds.append(FeedDefinition(url=url, title=title, extra=extra))
    return feeds


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prepared:
    revision_before: str | None
    revision_after: str | None
    topics: int
    feeds_added: int


async def prepare_database(engine: AsyncEngine, topics_file: Path, feeds_file: Path) -> Prepared:
    """Migrate to head, sync the topics file, and seed the feeds file's feeds once.

    Idempotent: a second call changes nothing. The topics table follows the
    topics file at every call (it is configuration). The default feeds are added
    only the first time, and the database records that, so an operator's feed
    list changes only through the ``feeds`` commands: a feed removed with
    ``briefbot feeds remove`` stays removed, even the last one.
    """
    topics = load_topics(topics_file)
    feeds = load_feeds(feeds_file)
    before, after = await db.upgrade(engine)
    sessions = db.create_sessionmaker(engine)
    added = 0
    async with sessions.begin() as session:
        await sync_topics(session, [TopicRow(t.slug, t.name, t.emoji) for t in topics])
        if await mark_defaults_seeded(session):
            added = await add_default_feeds(session, feeds)
    if before != after:
        log.info("database migrated from %s to %s", before or "empty", after)
    if added:
        log.info("added the %d default feeds of %s", added, feeds_file)
    return Prepared(before, after, len(topics), added)


async def add_default_feeds(session: AsyncSession, feeds: list[FeedDefinition]) -> int:
    """Add those of ``feeds`` that are not there yet; returns how many were added."""
    added = 0
    for feed in feeds:
        _, created = await add_feed(session, feed.url, feed.title)
        added += created
    return added
