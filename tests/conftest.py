"""Shared fixtures: real databases (a SQLite file and PostgreSQL on 127.0.0.1).

Storage tests take the ``session`` fixture and run once per backend. Each
backend's database is created and migrated once per test run; every test's
session is rolled back at the end, so tests never see each other's rows.
PostgreSQL tests skip, saying why, only when no server answers.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from jobs.catalogue import prepare_database
from storage import db
from tests.mailserver import Dovecot, unavailable

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# The shared corpus sits beside the checkout (../shared/corpus); from a worktree
# nested one level deeper, look further up.
CORPUS = next(
    (p / "shared" / "corpus" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)


def corpus_files(folder: str, pattern: str = "*", *, root: Path | None = None) -> list[Path]:
    """The corpus files in ``folder`` matching ``pattern``, sorted.

    Skips the test, saying why, when the corpus is absent; fails it when the
    corpus is there but nothing matches, so a renamed folder or file cannot
    turn a test into one that checks nothing.
    """
    root = CORPUS if root is None else root
    if not root.is_dir():
        pytest.skip(f"no corpus at {root}")
    found = sorted(p for p in (root / folder).glob(pattern) if p.is_file())
    if not found:
        pytest.fail(f"no corpus files match {folder}/{pattern} in {root}")
    return found


POSTGRES_URL = os.environ.get(
    "BRIEFBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_problem() -> str | None:
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is not reachable: {exc}"
    await conn.close()
    return None


class PostgresDatabases:
    """Creates throwaway databases next to the configured one and drops them at the end."""

    def __init__(self) -> None:
        self.created: list[str] = []

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def create(self) -> str:
        name = f"briefbot_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(self._admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    problem = asyncio.run(postgres_problem())
    if problem:
        pytest.skip(problem)
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty database of the backend the test is parametrised with."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        return request.getfixturevalue("postgres_databases").create()
    return f"sqlite+aiosqlite:///{tmp_path / 'briefbot.db'}"


async def _migrate(url: str) -> None:
    engine = db.create_engine(url)
    try:
        await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def _migrated_urls() -> dict[str, str]:
    return {}


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _migrated_urls: dict[str, str],
) -> str:
    """A database migrated to head with the seed topics: one per backend per test run."""
    backend: str = request.param
    if backend not in _migrated_urls:
        if backend == "postgresql":
            url = request.getfixturevalue("postgres_databases").create()
        else:
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'briefbot.db'}"
        asyncio.run(_migrate(url))
        _migrated_urls[backend] = url
    return _migrated_urls[backend]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A real Dovecot IMAP server on 127.0.0.1 (tests/mailserver.py); skips, saying why,
    where it cannot be started."""
    if problem := unavailable():
        pytest.skip(problem)
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.stop()
