"""CLI commands for operators' feed list: add, list, remove, import, export, reset-defaults."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli.support import (
    cli_settings,
    run_async,
    with_database,
)
from bot.settings import Settings
from jobs.catalogue import CatalogueError, add_default_feeds, load_feeds
from jobs.errors import OpmlError
from jobs.feeds.opml import read_opml, too_large, write_opml
from jobs.ingest.addresses import resolve_refusal, url_refusal
from storage import feeds as feed_store
from storage.models import Feed
from storage.states import FeedKind

PRIVATE_HINT = "set BRIEFBOT_ALLOW_PRIVATE_FEEDS=true to fetch an internal feed on purpose"


@click.group()
def feeds() -> None:
    """Manage the feeds the scheduler polls."""


@feeds.command("add")
@click.argument("url")
@click.option("--title", help="A name to show for the feed.")
def feeds_add(url: str, title: str | None) -> None:
    """Add a feed by URL."""
    if not url.startswith(("http://", "https://")):
        raise click.ClickException(f"{url!r} is not an http(s) URL")
    settings = cli_settings()
    refuse_internal(settings, url)

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with sessions.begin() as session:
            _, created = await feed_store.add_feed(session, url, title)
            return created

    created = run_async(with_database(settings, work))
    click.echo(f"added {url}" if created else f"{url} is already there; nothing changed")


@feeds.command("list")
def feeds_list() -> None:
    """List the feeds with the state of their last fetch."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> list[str]:
        async with sessions() as session:
            lines = []
            for feed in await feed_store.list_feeds(session):
                if feed.kind is FeedKind.NEWSLETTER:  # `sources list` shows them
                    continue
                state = health(feed, never="not fetched yet")
                lines.append(
                    f"{feed.id:>3}  {feed.url}{feed_title(feed)}  [{state}]{feed_alert(feed)}"
                )
            return lines

    lines = run_async(with_database(cli_settings(), work))
    click.echo(
        "\n".join(lines)
        if lines
        else "no feeds; add one with `briefbot feeds add URL`, "
        "or bring back the defaults with `briefbot feeds reset-defaults`"
    )


@feeds.command("remove")
@click.argument("url_or_id")
def feeds_remove(url_or_id: str) -> None:
    """Remove a feed by URL or id (its stories stay)."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with sessions.begin() as session:
            return await feed_store.remove_feed(session, url_or_id)

    if not run_async(with_database(cli_settings(), work)):
        raise click.ClickException(f"no feed {url_or_id!r}; `briefbot feeds list` shows them")
    click.echo(f"removed {url_or_id}")


@feeds.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def feeds_import(opml_file: Path) -> None:
    """Add the feeds of an OPML file (as other feed readers export it).

    Files over 4 MB or with more than 10,000 outlines are refused; outlines that
    name an internal address are skipped unless BRIEFBOT_ALLOW_PRIVATE_FEEDS is on.
    """
    settings = cli_settings()
    try:
        if reason := too_large(opml_file.stat().st_size):
            raise OpmlError(reason)
        definitions = read_opml(opml_file.read_bytes())
    except OpmlError as exc:
        raise click.ClickException(f"{opml_file}: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {opml_file}: {exc.strerror or exc}") from None
    refused = []
    if not settings.allow_private_feeds:
        refused = [d for d in definitions if url_refusal(d.url)]
        definitions = [d for d in definitions if not url_refusal(d.url)]

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions.begin() as session:
            return await feed_store.add_feeds(session, [(d.url, d.title) for d in definitions])

    added = run_async(with_database(settings, work))
    for feed in refused[:5]:
        click.echo(f"skipped {feed.url}: {url_refusal(feed.url)}", err=True)
    skipped = f", {len(refused)} skipped (internal addresses; {PRIVATE_HINT})" if refused else ""
    click.echo(
        f"{opml_file}: {len(definitions)} feeds, {added} added, "
        f"{len(definitions) - added} already there{skipped}"
    )


@feeds.command("reset-defaults")
def feeds_reset_defaults() -> None:
    """Add the default feeds (BRIEFBOT_FEEDS_FILE) again; feeds already there stay as they are."""
    settings = cli_settings()
    try:
        definitions = load_feeds(settings.feeds_file)
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions.begin() as session:
            return await add_default_feeds(session, definitions)

    added = run_async(with_database(settings, work))
    click.echo(
        f"{settings.feeds_file}: {len(definitions)} default feeds, {added} added, "
        f"{len(definitions) - added} already there"
    )


@feeds.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def feeds_export(output: Path | None) -> None:
    """Print the feeds as OPML 2.0, for other feed readers."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bytes:
        async with sessions() as session:
            feeds = await feed_store.list_feeds(session)
            return write_opml((f.url, f.title) for f in feeds if f.kind is FeedKind.FEED)

    document = run_async(with_database(cli_settings(), work))
    if output is None:
        click.echo(document.decode("utf-8"), nl=False)
    else:
        output.write_bytes(document)
        click.echo(f"wrote {output}", err=True)


def refuse_internal(settings: Settings, url: str) -> None:
    """Refuse a feed URL on an internal address, unless the operator allows them."""
    if not settings.allow_private_feeds and (reason := run_async(resolve_refusal(url))):
        raise click.ClickException(f"{url}: {reason}; {PRIVATE_HINT}")


def health(feed: Feed, *, never: str) -> str:
    """How the source's last fetch or poll went, for ``feeds list`` and ``sources list``."""
    if feed.last_error:
        return f"failing ({feed.consecutive_failures}x): {feed.last_error}"
    if feed.last_success_at:
        return f"ok at {feed.last_success_at:%Y-%m-%d %H:%M} UTC"
    return never


def feed_title(feed: Feed) -> str:
    return f" {feed.title}" if feed.title else ""


def feed_alert(feed: Feed) -> str:
    return f" [ALERT: {feed.alert_note}]" if feed.alert_kind else ""
