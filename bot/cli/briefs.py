"""CLI commands about briefs and stories: ingest, parse, preview."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli.preview import following, preview_text, stories_from_database, transient_stories
from bot.cli.support import (
    cli_settings,
    run_async,
    with_database,
)
from bot.runtime.background import mail_options
from bot.settings import Settings
from jobs.catalogue import load_topics
from jobs.errors import CatalogueError, FeedError, MailError, SourceError
from jobs.ingest.drafts import BriefDraft
from jobs.ingest.emails import is_message_file, message_reading
from jobs.ingest.fetch import make_client
from jobs.ingest.parse import briefs_from_bytes, briefs_to_json, download
from jobs.ingest.reports import FeedReport, ReportStatus, summarise
from jobs.ingest.run import ingest_due_feeds, ingest_sources
from jobs.ingest.store import IngestOptions
from jobs.ingest.tag import Tagger, tag_briefs
from storage.types import utcnow


@click.command()
@click.argument("sources", nargs=-1)
def ingest(sources: tuple[str, ...]) -> None:
    """Fetch the configured feeds, or the given files/URLs, and store new stories.

    Without SOURCE every enabled feed is fetched now, even one that is backing
    off after failures. Prints one line per feed or source; exits with 1 only
    when every one of them failed.
    """
    settings = cli_settings()
    try:
        tagger = Tagger(load_topics(settings.topics_file))
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None

    async def work(
        _engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
    ) -> list[FeedReport]:
        async with make_client(allow_private=settings.allow_private_feeds) as client:
            if sources:
                return await ingest_sources(sessions, client, list(sources), tagger, utcnow())
            return await ingest_due_feeds(
                sessions,
                client,
                tagger,
                utcnow(),
                options=IngestOptions(backoff_base=timedelta(minutes=settings.poll_minutes)),
                include_backing_off=True,
                mail=mail_options(settings),
            )

    reports = run_async(with_database(settings, work))
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


@click.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
def parse(source: str, as_json: bool) -> None:
    """Parse a file or URL into stories, without the database."""
    settings = cli_settings(quiet=True)
    try:
        tagger = Tagger(load_topics(settings.topics_file))
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    briefs = tag_briefs(tagger, read_source(settings, source))
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


def read_source(settings: Settings, source: str) -> list[BriefDraft]:
    """The briefs of a file or URL, read without the database; a ClickException when
    it cannot be read."""
    try:
        if source.startswith(("http://", "https://")):
            data, content_type = asyncio.run(
                download(source, allow_private=settings.allow_private_feeds)
            )
        else:
            data, content_type = Path(source).read_bytes(), None
        if is_message_file(source):
            return list(message_reading(data, name=source)[1].briefs)
        return briefs_from_bytes(data, name=source, content_type=content_type)
    except (FeedError, SourceError, MailError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    except Exception as exc:  # bad input must never show a traceback
        logging.getLogger(__name__).debug("parse %s failed", source, exc_info=True)
        raise click.ClickException(f"cannot parse {source}: {type(exc).__name__}: {exc}") from None


@click.command()
@click.option("--topics", help="Comma-separated topic slugs, e.g. ukraine,gaza (default: all).")
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Preview from this brief or feed file instead of the database (nothing is stored).",
)
def preview(topics: str | None, source: Path | None) -> None:
    """Print the digest a subscriber following these topics would get now."""
    settings = cli_settings()
    known = {t.slug for t in load_topics(settings.topics_file)}
    slugs = [s.strip() for s in (topics or ",".join(sorted(known))).split(",") if s.strip()]
    if unknown := [s for s in slugs if s not in known]:
        raise click.ClickException(
            f"unknown topic(s): {', '.join(unknown)}; `briefbot topics` lists them"
        )
    if source is not None:
        print_preview(settings, source, slugs)
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

    click.echo(run_async(with_database(settings, work)))


def _emojis(settings: Settings) -> dict[str, str]:
    return {t.slug: t.emoji for t in load_topics(settings.topics_file)}


def print_preview(settings: Settings, source: Path, slugs: list[str]) -> None:
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
