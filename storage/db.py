"""The engine, the session factory and schema migrations.

One engine and one ``async_sessionmaker`` per process. SQLite files are opened
in WAL mode with a busy timeout so the bot, the scheduler and a CLI command can
share one file; foreign keys are switched on, as PostgreSQL always has them.
A database that cannot be reached (refused, unknown host, wrong credentials,
no such database, a SQLite file that cannot be opened or created) raises
``DatabaseUnreachableError`` when the first connection is opened; every other
error is left as it is.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from storage import sqlite
from storage.errors import DatabaseUnreachableError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# PostgreSQL's SQLSTATEs for "no connection": connection exceptions (class 08), invalid
# authorization (class 28: no such role, wrong password), no such database, not accepting yet.
_UNREACHABLE_SQLSTATE_CLASSES = ("08", "28")
_UNREACHABLE_SQLSTATES = frozenset({"3D000", "57P03"})


# How long a unit of work may queue for the one SQLite connection before it fails.
SQLITE_POOL_TIMEOUT = 120.0


def create_engine(url: str | URL, *, inline: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``, with SQLite's pragmas set on every connection.

    ``inline``: on SQLite, statements run in the event loop's thread (``storage.sqlite``),
    for units of work whose statements are all short; elsewhere it changes nothing.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = f"cannot create {folder}: {exc.strerror or exc}"
                raise DatabaseUnreachableError(reason) from exc
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        if parsed.get_driver_name() == "aiosqlite":  # one trip to its thread per statement
            opener = sqlite.connect_inline if inline else sqlite.connect
            connect_args.setdefault("async_creator_fn", opener)
        # One connection per process: SQLite writes one transaction at a time anyway, and
        # a transaction that read first and then writes fails at once ("database is
        # locked", no busy wait) when another connection of ours wrote in between. Many
        # people's commands at once then queue for the connection, in order.
        if database and database != ":memory:":
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
            kwargs.setdefault("pool_timeout", SQLITE_POOL_TIMEOUT)
    engine = _create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    inline = getattr(getattr(dbapi_connection, "_connection", None), "inline", False)
    # An inline connection never waits in the loop's thread: its waits are in its own.
    cursor.execute(f"PRAGMA busy_timeout={0 if inline else SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")  # planning sorts in temporary tables
    cursor.close()


# Made by raw SQL in a migration (full-text search), so not in the models: autogenerate skips them.
UNMODELLED = frozenset(
    {
        "stories_fts",
        "stories_fts_data",
        "stories_fts_idx",
        "stories_fts_docsize",
        "stories_fts_config",
        "ix_stories_search",
    }
)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: leave the unmodelled search objects alone."""
    return name not in UNMODELLED


def unreachable_reason(exc: BaseException) -> str | None:
    """Why no connection could be opened, when ``exc`` (raised while connecting) says the
    database cannot be reached; None for any other error."""
    if isinstance(exc, OSError):  # refused, unknown host, timed out, no route
        return " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    unreachable = sqlstate.startswith(_UNREACHABLE_SQLSTATE_CLASSES) or (
        sqlstate in _UNREACHABLE_SQLSTATES
    )
    if not unreachable and not str(orig).startswith("unable to open database file"):
        return None
    return " ".join(str(orig).split())


async def connect(engine: AsyncEngine) -> AsyncConnection:
    """A new connection; ``DatabaseUnreachableError`` saying why when none can be opened.

    Errors that are not about reaching the database (a file that is not a
    database, a failing statement) propagate as they are.
    """
    try:
        return await engine.connect()
    except (OSError, DBAPIError) as exc:
        reason = unreachable_reason(exc)
        if reason is None:
            raise
        raise DatabaseUnreachableError(reason) from exc


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory: objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def command_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Sessions for people's commands, whose statements are short.

    On a SQLite file: a session factory on an engine of its own, with one inline
    connection (``storage.sqlite``), so commands neither queue behind the
    background's work (planning, ingest, the outbox) nor wait for the loop's turn at
    every statement. Elsewhere (PostgreSQL, an in-memory SQLite): ``sessions``
    itself. Dispose of the new engine (``bind``) when done.
    """
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine) or engine.url.get_driver_name() != "aiosqlite":
        return sessions
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return sessions
    return create_sessionmaker(create_engine(engine.url, inline=True))


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the migrations shipped inside this package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration this version of briefbot knows.

    Public for checking a database from outside the bot (the migration tests, an
    operator's script before an upgrade); the bot itself only calls ``upgrade``.
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database to ``revision``; returns (revision before, revision after)."""

    def run(connection: Connection) -> tuple[str | None, str | None]:
        before = MigrationContext.configure(connection).get_current_revision()
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(connection).get_current_revision()
        return before, after

    connection = await connect(engine)
    try:
        async with connection.begin():
            return await connection.run_sync(run)
    finally:
        await connection.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None for an empty database.

    Public for the same reason as ``head_revision``: together they say whether
    a database needs ``briefbot db upgrade`` without changing it.
    """

    def run(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(run)
