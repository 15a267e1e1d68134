"""Polling mailboxes the way the scheduler does, for the tests against a real Dovecot."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import load_topics
from jobs.ingest.mailbox import MailOptions
from jobs.ingest.reports import FeedReport
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.tag import Tagger
from storage import feeds as feed_store
from tests.conftest import CORPUS, SEEDS
from tests.mailbuild import message, newsletter_html, numbered
from tests.mailserver import PASSWORD

TAGGER = Tagger(load_topics(SEEDS / "topics.toml"))
OPTIONS = MailOptions(password=PASSWORD, insecure=True, timeout=10)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def corpus_messages(count: int) -> list[bytes]:
    """Newsletters from the corpus as emails (our own stories where it is absent)."""
    pages = sorted((CORPUS / "briefs").glob("*.html"))[:count] if CORPUS.is_dir() else []
    found = [
        message(
            subject=f"Brief {i}: {path.stem}",
            list_id=f"{path.stem.split('_')[0]} <{path.stem.split('_')[0]}.list.test>",
            html=path.read_text(encoding="utf-8"),
            text="(HTML newsletter)",
            image=False,
        ).as_bytes()
        for i, path in enumerate(pages)
    ]
    while len(found) < count:
        i = len(found)
        found.append(message(subject=f"Brief {i}", html=newsletter_html(numbered(i))).as_bytes())
    return found


async def add(sessions: async_sessionmaker[AsyncSession], url: str) -> int:
    async with sessions.begin() as session:
        feed, _ = await feed_store.add_feed(session, url)
        return feed.id


async def poll(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    mail: MailOptions = OPTIONS,
    now: datetime = NOW,
) -> list[FeedReport]:
    """One scheduler poll at ``now``: every source that is due."""
    return await ingest_due_feeds(sessions, client, TAGGER, now, mail=mail)


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
