"""``briefbot events``: the events among given sources' stories, or among the stored ones."""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli.briefs import read_source
from bot.cli.support import cli_settings, run_async, with_database
from jobs.events.assign import assign
from jobs.events.grouper import Grouper, Item, group
from jobs.ingest.drafts import BriefDraft
from storage import events as event_store

Story = dict[str, str | None]


def source_label(source: str) -> str:
    """A source as the output names it: a URL's host, a file's name."""
    if source.startswith(("http://", "https://")):
        return (urlsplit(source).hostname or source).removeprefix("www.")
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def events_of_sources(
    sources: Sequence[tuple[str, Sequence[Item]]], window: timedelta
) -> list[list[Story]]:
    """The events among the sources' stories (singletons included), in time order."""
    described: dict[Hashable, Story] = {}
    items = []
    for label, source_items in sources:
        for item in source_items:
            key = (label, len(described))
            described[key] = {"source": label, "title": item.title, "url": str(item.key) or None}
            items.append(Item(key, item.title, item.text, item.at))
    return [[described[k] for k in event] for event in group(items, Grouper(window=window))]


def items_of(briefs: Sequence[BriefDraft], now: datetime) -> list[Item]:
    """One item per story: its url as key, its time (the brief's, else now)."""
    out = []
    for brief in briefs:
        for story in brief.stories:
            at = story.published_at or brief.published_at or now
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
            out.append(Item(story.url or brief.url or "", story.title, story.text, at))
    return out


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
def events(sources: tuple[str, ...], as_json: bool) -> None:
    """Group stories into events: those of the given files/URLs (without the database),
    or the stored stories of the last BRIEFBOT_EVENT_HOURS hours.

    Stored stories that have no event yet (stored before events existed) are
    given theirs first.
    """
    settings = cli_settings(quiet=True)
    window = timedelta(hours=settings.event_hours)
    now = datetime.now(UTC)
    if sources:
        read = [(source_label(s), items_of(read_source(settings, s), now)) for s in sources]
        found = events_of_sources(read, window)
    else:

        async def work(
            _engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
        ) -> list[list[event_store.Version]]:
            since = now - window
            async with sessions.begin() as session:
                rows = await event_store.stories_since(session, since)
                await assign(session, [r.story_id for r in rows if r.event_id is None], now)
            async with sessions() as session:
                return await event_store.events_since(session, since)

        found = [
            [{"source": v.source, "title": v.title, "url": v.url} for v in event]
            for event in run_async(with_database(settings, work))
        ]
    if as_json:
        click.echo(json.dumps([{"stories": e} for e in found], ensure_ascii=False, indent=2))
        return
    shown = [e for e in found if len(e) > 1]
    click.echo(f"{len(found)} events, {len(shown)} of them reported more than once")
    for event in shown:
        click.echo(f"* {event[0]['title']}")
        for story in event:
            click.echo(f"    {story['source']}: {story['title']}")
