"""Fixtures for the jobs tests that ingest: a feed server, a migrated database and, for
the mailbox tests, a plain HTTP client to poll with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import prepare_database
from storage import db
from tests.conftest import SEEDS
from tests.feedserver import FeedServer, serving


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with serving() as server:
        yield server


@pytest.fixture
async def sessions(
    empty_database_url: str, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database with the seed topics and no feeds."""
    no_feeds = tmp_path / "feeds.toml"
    no_feeds.write_text("")
    engine = db.create_engine(empty_database_url)
    await prepare_database(engine, SEEDS / "topics.toml", no_feeds)
    yield db.create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for polls whose feeds (if any) are on 127.0.0.1."""
    async with httpx.AsyncClient() as http:
        yield http
