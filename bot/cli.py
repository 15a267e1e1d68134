"""The ``briefbot`` command line: the one front door to the bot, the jobs and the database."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import TelegramError

from bot.app import build_application, start_polling, stop_polling
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from jobs.bootstrap import prepare_database
from jobs.catalogue import CatalogueError, load_topics
from storage import db
from storage import feeds as feed_store

T = TypeVar("T")

BOTFATHER_HELP = """\
briefbot needs a bot token to talk to Telegram, and TELEGRAM_BOT_TOKEN is not set.

  1. Open Telegram and start a chat with @BotFather (https://t.me/BotFather).
  2. Send /newbot, choose a name and a username ending in "bot".
  3. BotFather answers with a token like 123456789:AAH...; put it in .env:

       TELEGRAM_BOT_TOKEN=123456789:AAH...

  4. Run `briefbot run` (or `make run`) again.

To see what subscribers would get without a token: briefbot preview --topics ukraine,gaza"""


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from None
    configure_logging(settings.log_level, settings.token)
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
def run(preview_if_no_token: bool) -> None:
    """Run the bot and its scheduler (long polling)."""
    settings = _settings()
    if settings.token is None:
        click.echo(BOTFATHER_HELP, err=True)
        if preview_if_no_token:
            click.echo("\nMeanwhile, the seed brief as a subscriber would see it:\n", err=True)
            _not_yet("preview")
        sys.exit(2)
    _run(_serve(settings))


async def _serve(settings: Settings) -> None:
    """Migrate, then long-poll BRIEFBOT_BOT_API_URL until SIGINT or SIGTERM."""
    engine = db.create_engine(settings.database_url)
    try:
        await prepare_database(engine, settings.topics_file, settings.feeds_file)
    except BaseException:
        await engine.dispose()
        raise
    application = build_application(settings, db.create_sessionmaker(engine))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await start_polling(application)
    except TelegramError as exc:
        await engine.dispose()
        raise click.ClickException(
            f"Telegram refused to start the bot ({exc}); check TELEGRAM_BOT_TOKEN "
            "and BRIEFBOT_BOT_API_URL"
        ) from None
    try:
        await stop.wait()
    finally:
        await stop_polling(application)


def _not_yet(command: str) -> None:
    raise click.ClickException(
        f"`briefbot {command}` is not part of this build yet; `briefbot --help` lists what works."
    )


@main.command()
@click.argument("sources", nargs=-1)
def ingest(sources: tuple[str, ...]) -> None:
    """Fetch the configured feeds, or the given files/URLs, and store new stories."""
    _settings()
    _not_yet("ingest")


@main.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
def parse(source: str, as_json: bool) -> None:
    """Parse a file or URL into stories, without the database."""
    _not_yet("parse")


@main.command()
@click.option("--topics", required=True, help="Comma-separated topic slugs, e.g. ukraine,gaza.")
def preview(topics: str) -> None:
    """Print the digest a subscriber following these topics would get now."""
    _not_yet("preview")


@main.command()
@click.option("--now", is_flag=True, required=True, help="Plan and send what is due now.")
@click.option("--chat", type=int, help="Only this chat's digest, whatever the time.")
def digest(now: bool, chat: int | None) -> None:
    """Plan and send the digests that are due now."""
    _not_yet("digest")


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
