"""The ``briefbot`` command line: the one front door to the bot, the jobs and the database."""

from __future__ import annotations

import sys

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli.briefs import ingest, parse, preview, print_preview
from bot.cli.events import events
from bot.cli.feeds import feeds
from bot.cli.sources import sources
from bot.cli.support import (
    BOTFATHER_HELP,
    SEED_BRIEF,
    cli_settings,
    run_async,
    with_database,
)
from bot.errors import AnotherRunError, NotSubscribedError, StartError, StoppedError
from bot.runtime.background import deliver_now
from bot.runtime.logs import redact
from bot.runtime.serve import Endpoints, serve
from jobs.catalogue import load_topics, prepare_database
from jobs.errors import CatalogueError


class FrontDoor(click.Group):
    """The command group; no message it shows carries the bot token."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            if (clean := redact(exc.message)) != exc.message:
                raise click.ClickException(clean) from None
            raise


@click.group(cls=FrontDoor, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--worker",
    is_flag=True,
    help="Plan, poll feeds and send only; take no updates (another process answers people).",
)
def run(
    preview_if_no_token: bool,
    webhook_url: str | None,
    listen: str | None,
    port: int | None,
    health_port: int | None,
    health_host: str | None,
    worker: bool,
) -> None:
    """Run the bot and its scheduler (long polling, or a webhook with --webhook-url)."""
    settings = cli_settings()
    if settings.token is None:
        click.echo(BOTFATHER_HELP, err=True)
        if not preview_if_no_token:
            sys.exit(2)
        click.echo("\nMeanwhile, the seed brief as a subscriber would see it:\n", err=True)
        print_preview(settings, SEED_BRIEF, [t.slug for t in load_topics(settings.topics_file)])
        return
    url = webhook_url or settings.webhook_url
    if url and not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise click.ClickException(f"--webhook-url {url!r}: Telegram only posts to https:// URLs")
    health_port = health_port if health_port is not None else settings.health_port
    if settings.webapp_url and not url and not worker and health_port is None:
        # The Mini App needs the bot's HTTP server; a worker beside it does not take the port.
        health_port = settings.webhook_port
    endpoints = Endpoints(
        webhook_url=url,
        listen=listen or settings.webhook_listen,
        port=port or settings.webhook_port,
        secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        health_host=health_host or settings.health_host,
        health_port=health_port,
        worker=worker,
    )
    try:
        run_async(serve(settings, endpoints))
    except (StartError, StoppedError, AnotherRunError) as exc:
        raise click.ClickException(str(exc)) from None


for command in (ingest, parse, preview, feeds, sources, events):
    main.add_command(command)


@main.command()
@click.option("--now", is_flag=True, required=True, help="Plan and send what is due now.")
@click.option("--chat", type=int, help="Only this chat's digest, whatever the time.")
def digest(now: bool, chat: int | None) -> None:
    """Plan and send the digests that are due now."""
    settings = cli_settings()
    if settings.token is None:
        click.echo(BOTFATHER_HELP, err=True)
        sys.exit(2)

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> str:
        return await deliver_now(settings, sessions, chat_id=chat)

    try:
        click.echo(run_async(with_database(settings, work)))
    except NotSubscribedError as exc:
        raise click.ClickException(f"{exc}; the chat must send /start to the bot first") from None


@main.command()
def topics() -> None:
    """List the topics subscribers can follow."""
    settings = cli_settings()
    try:
        definitions = load_topics(settings.topics_file)
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    width = max(len(t.slug) for t in definitions)
    for t in definitions:
        sample = ", ".join(t.keywords[:4])
        click.echo(f"{t.emoji} {t.slug:<{width}}  {t.name}  ({len(t.terms)} terms: {sample}, ...)")


@main.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations (safe to run again: it changes nothing then)."""
    settings = cli_settings()

    async def work(engine: AsyncEngine, _: async_sessionmaker[AsyncSession]) -> str:
        prepared = await prepare_database(engine, settings.topics_file, settings.feeds_file)
        extra = f"; added {prepared.feeds_added} feeds" if prepared.feeds_added else ""
        if prepared.revision_before == prepared.revision_after:
            if extra:
                return f"database is up to date (revision {prepared.revision_after}){extra}"
            return f"database is up to date (revision {prepared.revision_after}); nothing to do"
        return (
            f"database upgraded from {prepared.revision_before or 'empty'} "
            f"to {prepared.revision_after}; {prepared.topics} topics{extra}"
        )

    click.echo(run_async(with_database(settings, work, prepare=False)))
