"""One ``briefbot run`` per database, and noticing when its database goes away.

SQLite: an exclusive ``flock`` on a lock file beside the database (``FILE.lock``)
for as long as the process runs. PostgreSQL: a session-level advisory lock on
a connection held open as long. ``--worker`` processes take neither, since
several may share a PostgreSQL database with the one process that takes updates.

A SQLite file deleted or replaced while the bot runs would leave it writing
into an unlinked file that nobody will ever read; ``DatabaseWatch`` checks the
file's identity every few seconds and reports, once, that it is gone.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import BigInteger, func, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import AnotherRunError

log = logging.getLogger(__name__)

RUN_LOCK_KEY = 0x6272696566_72756E  # "brief" "run" in ASCII; planning uses another key


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None (PostgreSQL, in-memory)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def shown(url: str) -> str:
    """The database as an operator recognises it, without a password."""
    path = sqlite_file(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


class RunLock:
    """The lock that makes one ``briefbot run`` the only one on its database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fd: int | None = None
        self._connection: AsyncConnection | None = None

    async def acquire(self, engine: AsyncEngine) -> None:
        path = sqlite_file(self.url)
        if path is not None:
            fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise AnotherRunError(f"another briefbot run is using {path}") from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return
        if engine.dialect.name != "postgresql":
            return
        connection = await engine.connect()
        key = literal(RUN_LOCK_KEY, BigInteger)
        locked = await connection.scalar(select(func.pg_try_advisory_lock(key)))
        await connection.commit()
        if not locked:
            await connection.close()
            raise AnotherRunError(f"another briefbot run is using {shown(self.url)}")
        self._connection = connection

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
        if self._connection is not None:
            await self._connection.close()  # the session's advisory lock goes with it
            self._connection = None


class DatabaseWatch:
    """Notices a SQLite file deleted or replaced under the running bot."""

    def __init__(self, url: str, *, every: float = 5.0) -> None:
        self.path = sqlite_file(url)
        self.every = every
        self.problem: str | None = None
        self._identity = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_dev, status.st_ino

    def check(self) -> str | None:
        """The problem (set once, logged once), or None while the file is the same."""
        if self.problem is None and self.path is not None and self._identity is not None:
            now = self._stat()
            if now != self._identity:
                how = "deleted" if now is None else "replaced by another file"
                self.problem = f"the database file {self.path} was {how}; stopping"
                log.error("%s (restore it, then start briefbot again)", self.problem)
        return self.problem

    async def run(self, on_gone: Callable[[], None]) -> None:
        """Check every ``every`` seconds; call ``on_gone`` once when the file is gone."""
        if self.path is None:
            return
        while True:
            await asyncio.sleep(self.every)
            if self.check() is not None:
                on_gone()
                return
