"""CLI commands for every polled source, feeds and mailboxes alike: add, list, remove."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli.feeds import feed_alert, feed_title, health, refuse_internal
from bot.cli.support import cli_settings, run_async, with_database
from jobs.errors import MailboxError
from jobs.ingest.mailbox import is_mailbox_url, mailbox_address
from storage import feeds as feed_store
from storage.mailboxes import NEWSLETTER_PREFIX, brief_counts, message_counts
from storage.models import Feed
from storage.states import FeedKind


@click.group()
def sources() -> None:
    """Manage the polled sources: feeds (http/https) and mailboxes (imaps://)."""


@sources.command("add")
@click.argument("url")
@click.option("--title", help="A name to show for the source.")
def sources_add(url: str, title: str | None) -> None:
    """Add a feed URL, or a mailbox as imaps://USER@HOST[:PORT]/FOLDER.

    A mailbox's password comes from BRIEFBOT_IMAP_PASSWORD (or the file named by
    BRIEFBOT_IMAP_PASSWORD_FILE), never from the URL; imap://USER@HOST/FOLDER
    uses STARTTLS on port 143.
    """
    if is_mailbox_url(url):
        try:
            url = mailbox_address(url).url
        except MailboxError as exc:
            raise click.ClickException(str(exc)) from None
    elif not url.startswith(("http://", "https://")):
        raise click.ClickException(
            f"{url!r} is neither an http(s) feed URL nor an imaps:// mailbox URL"
        )
    settings = cli_settings()
    if not is_mailbox_url(url):  # a mailbox is the operator's own server, wherever it is
        refuse_internal(settings, url)

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with sessions.begin() as session:
            _, created = await feed_store.add_feed(session, url, title)
            return created

    created = run_async(with_database(settings, work))
    click.echo(f"added {url}" if created else f"{url} is already there; nothing changed")


@sources.command("list")
def sources_list() -> None:
    """List feeds and mailboxes with the health of their last poll, each mailbox with the
    newsletters it received under it."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> list[str]:
        async with sessions() as session:
            every = await feed_store.list_feeds(session)
            briefs = await brief_counts(session)
            under: dict[int | None, list[Feed]] = {}
            for feed in every:
                if feed.kind is FeedKind.NEWSLETTER:
                    under.setdefault(feed.mailbox_id, []).append(feed)
            lines = []
            for feed in every:
                if feed.kind is FeedKind.NEWSLETTER:
                    continue
                state = health(feed, never="not polled yet")
                kind = "mailbox" if is_mailbox_url(feed.url) else "feed"
                if kind == "mailbox":
                    stored, skipped = await message_counts(session, feed.id)
                    state += f"; {stored} messages stored" + (
                        f", {skipped} left unread" if skipped else ""
                    )
                described = f"{feed.url}{feed_title(feed)}  [{state}]{feed_alert(feed)}"
                lines.append(f"{feed.id:>3}  {kind:<7}  {described}")
                lines.extend(_newsletter_line(n, briefs) for n in under.pop(feed.id, []))
            orphans = [n for newsletters in under.values() for n in newsletters]
            if orphans:
                lines.append("     newsletters read from saved messages:")
                lines.extend(_newsletter_line(n, briefs) for n in orphans)
            return lines

    lines = run_async(with_database(cli_settings(), work))
    click.echo(
        "\n".join(lines)
        if lines
        else "no sources; add one with `briefbot sources add URL` (a feed or imaps:// mailbox)"
    )


def _newsletter_line(feed: Feed, briefs: dict[int, int]) -> str:
    """A newsletter under its mailbox: its name, its key, its issues and its last one."""
    count = briefs.get(feed.id, 0)
    issues = f"{count} issue" + ("" if count == 1 else "s")
    if feed.last_success_at:
        issues += f", the last at {feed.last_success_at:%Y-%m-%d %H:%M} UTC"
    key = feed.url.removeprefix(NEWSLETTER_PREFIX)
    return f"{feed.id:>3}    newsletter  {feed.title or key} <{key}>  [{issues}]{feed_alert(feed)}"


@sources.command("remove")
@click.argument("url_or_id")
def sources_remove(url_or_id: str) -> None:
    """Remove a feed or mailbox by URL or id (its stories stay)."""

    async def work(_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with sessions.begin() as session:
            return await feed_store.remove_feed(session, url_or_id)

    if not run_async(with_database(cli_settings(), work)):
        raise click.ClickException(f"no source {url_or_id!r}; `briefbot sources list` shows them")
    click.echo(f"removed {url_or_id}")
