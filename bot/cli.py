"""The ``briefbot`` command line: the one front door to the bot, the jobs and the database."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery import NotSubscribedError, deliver_now
from bot.logs import configure_logging
from bot.preview import following, preview_text, stories_from_database, transient_stories
from bot.serve import Endpoints, StartError, serve
from bot.settings import Settings, SettingsError, load_settings
from jobs.bootstrap import prepare_database
from jobs.catalogue import CatalogueError, load_topics
from jobs.fetch import make_client
from jobs.ingest import FeedReport, IngestOptions, ReportStatus, ingest_due_feeds, ingest_sources
from jobs.opml import OpmlError, read_opml, write_opml
from jobs.parse import FeedError
from jobs.reports import summarise
from jobs.source import SourceError, briefs_from_bytes, briefs_to_json, download
from jobs.tag import Tagger, tag_briefs
from storage import db
from storage import feeds as feed_store
from storage.types import utcnow

T = TypeVar("T")

SEED_BRIEF = Path(__file__).resolve().parent.parent / "seeds" / "world-brief_2025-02-12.txt"

BOTFATHER_HELP = """\
briefbot needs a bot token to talk to Telegram, and TELEGRAM_BOT_TOKEN is not set.

  1. Open Telegram and start a chat with @BotFather (https://t.me/BotFather).
  2. Send /newbot, choose a name and a username ending in "bot".
  3. BotFather answers with a token like 123456789:AAH...; put it in .env:

       TELEGRAM_BOT_TOKEN=123456789:AAH...

  4. Run `briefbot run` (or `make run`) again.

To see what subscribers would get without a token: briefbot preview --topics ukraine,gaza"""


def _settings(*, quiet: bool = False) -> Settings:
    """Load the settings and set up logging (``quiet``: warnings only, for one-shot output)."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from None
    level = "WARNING" if quiet and settings.log_level in {"DEBUG", "INFO"} else settings.log_level
    configure_logging(level, settings.token, json_lines=settings.log_format == "json")
    return settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot reach the database ({exc}); check BRIEFBOT_DATABASE_URL"
        ) from None


async def _with_database(
    settings: Settings,
    work: Callable[[AsyncEngine, async_sessionmaker[AsyncSession]], Awaitable[T]],
    *,
    prepare: bool = True,
) -> T:
    """Open the engine, bring the schema up to date, run ``work``, close the engine."""
    engine = db.create_engine(settings.database_url)
    try:
        if prepare:
            await prepare_database(engine, settings.topics_file, settings.feeds_file)
        return await work(engine, db.create_sessionmaker(engine))
    finally:
        await engine.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefbot")
def main() -> None:
    """briefbot: daily news briefs on Telegram, split into stories, delivered by topic.

    Settings come from the environment and from .env (see README.md).
    """


@main.command()
@click.option(
    "--preview-if-no-token",
    is_flag=True,
    help="Without a token, print the offline preview of the seed brief instead of failing.",
)
@click.option(
    "--webhook-url",
    metavar="URL",
    help="Webhook mode: the public HTTPS URL Telegram posts to [BRIEFBOT_WEBHOOK_URL].",
)
@click.option("--listen", metavar="HOST", help="Webhook mode: interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), help="Webhook mode: port to listen on.")
@click.option(
    "--health-port",
    type=click.IntRange(0, 65535),
    help="Serve /healthz and /metrics on this port (webhook mode serves them on --port).",
)
@click.option("--health-host", metavar="HOST", help="Interface for /healthz and /metrics.")
def run(
    preview_if_no_token: bool,
    webhook_url: str | None,
    listen: str | None,
    port: int | None,
    health_port: int | None,
    health_host: str | None,
) -> None:
    """Run the bot and its scheduler (long polling, or a webhook with --webhook-url)."""
    settings = _settings()
    if settings.token is None:
        click.echo(BOTFATHER_HELP, err=True)
        if not preview_if_no_token:
            sys.exit(2)
        click.echo("\nMeanwhile, the seed brief as a subscriber would see it:\n", err=True)
        _print_preview(settings, SEED_BRIEF, [t.slug for t in load_topics(settings.topics_file)])
        return
    url = webhook_url or settings.webhook_url
    if url and not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise click.ClickException(f"--webhook-url {url!r}: Telegram only posts to https:// URLs")
    endpoints = Endpoints(
        webhook_url=url,
        listen=listen or settings.webhook_listen,
        port=port or settings.webhook_port,
        secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        health_host=health_host or settings.health_host,
        health_port=health_port if health_port is not None else settings.health_port,
    )
    try:
        _run(serve(settings, endpoints))
    except StartError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("sources", nargs=-1)
def ingest(sources: tuple[str, ...]) -> None:
    """Fetch the configured feeds, or the given files/URLs, and store new stories.

    Without SOURCE every enabled feed is fetched now, even one that is backing
    off after failures. Prints one line per feed or source; exits with 1 only
    when every one of them failed.
    """
    settings = _settings()
    try:
        tagger = Tagger(load_topics(settings.topics_file))
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None

    async def work(
        _engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
    ) -> list[FeedReport]:
        async with make_client() as client:
            if sources:
                return await ingest_sources(sessions, client, list(sources), tagger, utcnow())
            return await ingest_due_feeds(
                sessions,
                client,
                tagger,
                utcnow(),
                options=IngestOptions(backoff_base=timedelta(minutes=settings.poll_minutes)),
                include_backing_off=True,
            )

    reports = _run(_with_database(settings, work))
    if not reports:
        click.echo("no feeds; add one with `briefbot feeds add URL`")
        return
    for report in reports:
        click.echo(report.describe())
    failed = sum(r.status is ReportStatus.FAILED for r in reports)
    noun = "source" if sources else "feed"
    click.echo(summarise(reports, noun))
    if failed == len(reports):
        raise click.ClickException(f"every {noun} failed; nothing was stored")
    if failed:
        click.echo(f"{failed} of {len(reports)} failed; the others were stored (exit status 0)")


@main.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
def parse(source: str, as_json: bool) -> None:
    """Parse a file or URL into stories, without the database."""
    settings = _settings(quiet=True)
    try:
        tagger = Tagger(load_topics(settings.topics_file))
        if source.startswith(("http://", "https://")):
            data, content_type = asyncio.run(download(source))
        else:
            data, content_type = Path(source).read_bytes(), None
        briefs = tag_briefs(tagger, briefs_from_bytes(data, name=source, content_type=content_type))
    except (CatalogueError, FeedError, SourceError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    except Exception as exc:  # bad input must never show a traceback
        logging.getLogger(__name__).debug("parse %s failed", source, exc_info=True)
        raise click.ClickException(f"cannot parse {source}: {type(exc).__name__}: {exc}") from None
    if as_json:
        click.echo(json.dumps(briefs_to_json(briefs), ensure_ascii=False, indent=2))
        return
    for brief in briefs:
        click.echo(f"# {brief.title}")
        for story in brief.stories:
            topics = ", ".join(
                f"{slug} ({', '.join(terms)})" for slug, terms in story.topics.items()
            )
            first_line = story.text.split("\n", 1)[0]
            click.echo(f"{story.position:>3}. {story.title}")
            click.echo(f"     topics: {topics or '-'}")
            click.echo(f"     {first_line[:160]}")
        click.echo("")


@main.command()
@click.option("--topics", help="Comma-separated topic slugs, e.g. ukraine,gaza (default: all).")
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Preview from this brief or feed file instead of the database (nothing is stored).",
)
def preview(topics: str | None, source: Path | None) -> None:
    """Print the digest a subscriber following these topics would get now."""
    settings = _settings()
    known = {t.slug for t in load_topics(settings.topics_file)}
    slugs = [s.strip() for s in (topics or ",".join(sorted(known))).split(",") if s.strip()]
    if unknown := [s for s in slugs if s not in known]:
        raise click.ClickException(
            f"unknown topic(s): {', '.join(unknown)}; `briefbot topics` lists them"
        )
    if source is not None:
        _print_preview(settings, source, slugs)
        return

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> str:
        stories = await stories_from_database(
            sessions,
            slugs,
            now=datetime.now(UTC),
            lookback=timedelta(hours=settings.digest_lookback_hours),
            limit=settings.digest_max_stories + 50,
        )
        return preview_text(
            stories,
            _emojis(settings),
            heading=f"Stories on {', '.join(slugs)} from the last "
            f"{settings.digest_lookback_hours} hours",
            limit=settings.digest_max_stories,
        )

    click.echo(_run(_with_database(settings, work)))


def _emojis(settings: Settings) -> dict[str, str]:
    return {t.slug: t.emoji for t in load_topics(settings.topics_file)}


def _print_preview(settings: Settings, source: Path, slugs: list[str]) -> None:
    """Parse and tag ``source`` offline and print the digest and the first stories in full."""
    try:
        briefs = briefs_from_bytes(source.read_bytes(), name=source.name)
    except (FeedError, SourceError) as exc:
        raise click.ClickException(str(exc)) from None
    briefs = tag_briefs(Tagger(load_topics(settings.topics_file)), briefs)
    stories = following(transient_stories(briefs), slugs)
    heading = f"{briefs[0].title if len(briefs) == 1 else source.name}"
    click.echo(
        preview_text(
            stories, _emojis(settings), heading=heading, limit=settings.digest_max_stories, full=2
        )
    )


@main.command()
@click.option("--now", is_flag=True, required=True, help="Plan and send what is due now.")
@click.option("--chat", type=int, help="Only this chat's digest, whatever the time.")
def digest(now: bool, chat: int | None) -> None:
    """Plan and send the digests that are due now."""
    settings = _settings()
    if settings.token is None:
        click.echo(BOTFATHER_HELP, err=True)
        sys.exit(2)

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> str:
        return await deliver_now(settings, sessions, chat_id=chat)

    try:
        click.echo(_run(_with_database(settings, work)))
    except NotSubscribedError as exc:
        raise click.ClickException(f"{exc}; the chat must send /start to the bot first") from None


@main.command()
def topics() -> None:
    """List the topics subscribers can follow."""
    settings = _settings()
    try:
        definitions = load_topics(settings.topics_file)
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    width = max(len(t.slug) for t in definitions)
    for t in definitions:
        sample = ", ".join(t.keywords[:4])
        click.echo(f"{t.emoji} {t.slug:<{width}}  {t.name}  ({len(t.terms)} terms: {sample}, ...)")


@main.group()
def feeds() -> None:
    """Manage the feeds the scheduler polls."""


@feeds.command("add")
@click.argument("url")
@click.option("--title", help="A name to show for the feed.")
def feeds_add(url: str, title: str | None) -> None:
    """Add a feed by URL."""
    if not url.startswith(("http://", "https://")):
        raise click.ClickException(f"{url!r} is not an http(s) URL")

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with sessions.begin() as session:
            _, created = await feed_store.add_feed(session, url, title)
            return created

    created = _run(_with_database(_settings(), work))
    click.echo(f"added {url}" if created else f"{url} is already there; nothing changed")


@feeds.command("list")
def feeds_list() -> None:
    """List the feeds with the state of their last fetch."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> list[str]:
        async with sessions() as session:
            lines = []
            for feed in await feed_store.list_feeds(session):
                if feed.last_error:
                    state = f"failing ({feed.consecutive_failures}x): {feed.last_error}"
                elif feed.last_success_at:
                    state = f"ok at {feed.last_success_at:%Y-%m-%d %H:%M} UTC"
                else:
                    state = "not fetched yet"
                title = f" {feed.title}" if feed.title else ""
                lines.append(f"{feed.id:>3}  {feed.url}{title}  [{state}]")
            return lines

    lines = _run(_with_database(_settings(), work))
    click.echo("\n".join(lines) if lines else "no feeds; add one with `briefbot feeds add URL`")


@feeds.command("remove")
@click.argument("url_or_id")
def feeds_remove(url_or_id: str) -> None:
    """Remove a feed by URL or id (its stories stay)."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with sessions.begin() as session:
            return await feed_store.remove_feed(session, url_or_id)

    if not _run(_with_database(_settings(), work)):
        raise click.ClickException(f"no feed {url_or_id!r}; `briefbot feeds list` shows them")
    click.echo(f"removed {url_or_id}")


@feeds.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def feeds_import(opml_file: Path) -> None:
    """Add the feeds of an OPML file (as other feed readers export it)."""
    try:
        definitions = read_opml(opml_file.read_bytes())
    except OpmlError as exc:
        raise click.ClickException(f"{opml_file}: {exc}") from None

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions.begin() as session:
            added = 0
            for feed in definitions:
                added += (await feed_store.add_feed(session, feed.url, feed.title))[1]
            return added

    added = _run(_with_database(_settings(), work))
    click.echo(
        f"{opml_file}: {len(definitions)} feeds, {added} added, "
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
            return write_opml((f.url, f.title) for f in await feed_store.list_feeds(session))

    document = _run(_with_database(_settings(), work))
    if output is None:
        click.echo(document.decode("utf-8"), nl=False)
    else:
        output.write_bytes(document)
        click.echo(f"wrote {output}", err=True)


@main.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations (safe to run again: it changes nothing then)."""
    settings = _settings()

    async def work(engine: AsyncEngine, _: async_sessionmaker[AsyncSession]) -> str:
        prepared = await prepare_database(engine, settings.topics_file, settings.feeds_file)
        if prepared.revision_before == prepared.revision_after:
            return f"database is up to date (revision {prepared.revision_after}); nothing to do"
        extra = f"; added {prepared.feeds_added} feeds" if prepared.feeds_added else ""
        return (
            f"database upgraded from {prepared.revision_before or 'empty'} "
            f"to {prepared.revision_after}; {prepared.topics} topics{extra}"
        )

    click.echo(_run(_with_database(settings, work, prepare=False)))
