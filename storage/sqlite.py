"""SQLite connections that cross to their thread once per statement.

aiosqlite runs each SQLite connection in a thread of its own and hands it every
call through a queue: making a cursor, executing, fetching the rows and closing
the cursor are four trips there and back, and each trip back waits for the event
loop's turn. While the loop is busy (many people's commands, a broadcast) those
waits are what a unit of work costs, and on a connection that units of work take
in turn, they add up to the ceiling of the whole process.

``connect`` opens an aiosqlite connection whose cursors do all of a statement's
work (execute, fetch every row, close) in one trip, and answer ``fetchall``,
``description``, ``rowcount`` and ``lastrowid`` from what that trip brought back.
SQLAlchemy's aiosqlite dialect takes it through its ``async_creator_fn`` connect
argument (``storage.db.create_engine`` passes it), so everything else (the pool,
transactions, errors) is the dialect's as before. Every row is fetched at once,
which is what the dialect does anyway: it has no server-side cursors on SQLite.

An ``inline`` connection (``connect_inline``) skips the trip altogether: it runs
each statement, commit and rollback in the event loop's own thread, which for the
short statements of a command costs microseconds instead of a wait for the loop's
turn, so a command's whole transaction usually ends within one step of the loop.
It never waits there for another connection's write lock: its busy timeout is 0,
and a statement that finds the database locked is sent to the connection's
thread, which waits with the usual busy timeout; so does every call while an
earlier one is still there, to keep their order. Only for units of work whose
statements are short (commands, not planning or ingest).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite


class Cursor:
    """A statement's results, brought back from the connection's thread in one trip."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        await self._connection.run(self._run, "execute", sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        await self._connection.run(self._run, "executemany", sql, parameters)
        return self

    def _run(self, connection: sqlite3.Connection, method: str, sql: str, parameters: Any) -> None:
        """In the connection's thread: run the statement, keep its rows, close the cursor."""
        cursor = connection.cursor()
        try:
            getattr(cursor, method)(sql, parameters)
            self.description = cursor.description
            self._rows = cursor.fetchall() if cursor.description else []
            self.rowcount = cursor.rowcount
            self.lastrowid = cursor.lastrowid
        finally:
            cursor.close()

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchall(self) -> Sequence[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors take one trip per statement (see the module doc)."""

    def __init__(self, connector: Any, busy_timeout_ms: int, inline: bool = False) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.inline = inline
        self.busy_timeout_ms = busy_timeout_ms
        self._in_thread = 0  # calls sent to the thread and not answered yet

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def commit(self) -> None:
        await self.run(_commit)

    async def rollback(self) -> None:
        await self.run(_rollback)

    async def run(self, function: Any, *args: Any) -> Any:
        """Call ``function(sqlite3_connection, *args)``: inline when it can, else in the
        connection's thread."""
        if self.inline and not self._in_thread:
            try:
                return function(self._conn, *args)
            except sqlite3.OperationalError as exc:
                if not _locked(exc):
                    raise
        self._in_thread += 1
        try:
            return await self._execute(self._call, function, args)
        finally:
            self._in_thread -= 1

    def _call(self, function: Any, args: tuple[Any, ...]) -> Any:
        """In the thread: an inline connection waits for the write lock here, and only here."""
        connection = self._conn
        if not self.inline:
            return function(connection, *args)
        connection.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        try:
            return function(connection, *args)
        finally:
            connection.execute("PRAGMA busy_timeout=0")


def _commit(connection: sqlite3.Connection) -> None:
    connection.commit()


def _rollback(connection: sqlite3.Connection) -> None:
    connection.rollback()


def _locked(exc: sqlite3.OperationalError) -> bool:
    """True for "database is locked" (another connection holds the write lock)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF == sqlite3.SQLITE_BUSY) or "locked" in str(exc)


def connect(database: str, *, timeout: float = 5.0, **kwargs: Any) -> Connection:
    """Like ``aiosqlite.connect``, with the lean cursors; its thread does not keep the
    process alive (as the dialect does for aiosqlite's own)."""
    return _open(database, timeout, kwargs, inline=False)


def connect_inline(database: str, *, timeout: float = 5.0, **kwargs: Any) -> Connection:
    """An inline connection (see the module doc): ``timeout`` is its wait in the thread."""
    return _open(database, timeout, kwargs, inline=True)


def _open(database: str, timeout: float, kwargs: dict[str, Any], *, inline: bool) -> Connection:
    kwargs.pop("iter_chunk_size", None)
    kwargs["check_same_thread"] = False  # an inline connection is used from the loop's thread

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, timeout=0 if inline else timeout, **kwargs)

    connection = Connection(connector, int(timeout * 1000), inline=inline)
    connection._thread.daemon = True
    return connection
