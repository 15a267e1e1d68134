"""What the CLI commands share: settings, the event loop, the database, the token help."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.errors import SettingsError
from bot.runtime.logs import configure_logging
from bot.settings import Settings, load_settings
from jobs.catalogue import prepare_database
from jobs.errors import CatalogueError
from jobs.events.assign import set_event_window
from storage import db
from storage.errors import DatabaseUnreachableError

T = TypeVar("T")

SEED_BRIEF = Path(__file__).resolve().parent.parent.parent / "seeds" / "world-brief_2025-02-12.txt"

BOTFATHER_HELP = """\
briefbot needs a bot token to talk to Telegram, and TELEGRAM_BOT_TOKEN is not set.

  1. Open Telegram and start a chat with @BotFather (https://t.me/BotFather).
  2. Send /newbot, choose a name and a username ending in "bot".
  3. BotFather answers with a token like 123456789:AAH...; put it in .env:

       TELEGRAM_BOT_TOKEN=123456789:AAH...

  4. Run `briefbot run` (or `make run`) again.

To see what subscribers would get without a token: briefbot preview --topics ukraine,gaza"""


def cli_settings(*, quiet: bool = False) -> Settings:
    """Load the settings and set up logging (``quiet``: warnings only, for one-shot output)."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"bad setting: {exc}") from None
    level = "WARNING" if quiet and settings.log_level in {"DEBUG", "INFO"} else settings.log_level
    configure_logging(level, settings.token, json_lines=settings.log_format == "json")
    set_event_window(timedelta(hours=settings.event_hours))
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; what it reports on purpose becomes one line.

    "cannot reach the database" is said only when no connection could be opened;
    a database that answers with an error says what it answered. Other errors
    (an ``OSError`` of the command's own, a bug) propagate as they are.
    """
    try:
        return asyncio.run(coro)
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    except DatabaseUnreachableError as exc:
        raise click.ClickException(
            f"cannot reach the database ({exc}); check BRIEFBOT_DATABASE_URL"
        ) from None
    except DBAPIError as exc:  # it answered, but not as a database we can use
        lines = str(exc.orig).strip().splitlines()
        reason = lines[0] if lines else type(exc.orig).__name__
        raise click.ClickException(
            f"the database answered with an error ({reason}); check BRIEFBOT_DATABASE_URL"
        ) from None


async def with_database(
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
