"""Polling a mailbox on a real Dovecot server: every message stored once, then flagged.

Dovecot runs on 127.0.0.1 (tests/mailserver.py); the messages are built here
with Python's email package, from the shared corpus's newsletters where it is
present.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.catalogue import load_topics
from jobs.ingest.mailbox import MailOptions
from jobs.ingest.reports import ReportStatus
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.tag import Tagger
from storage import feeds as feed_store
from storage.mailboxes import MailMessage
from storage.models import Brief, Feed, Story
from tests.conftest import CORPUS, SEEDS
from tests.feedserver import FeedServer, Item, rss
from tests.mailbuild import STORIES, message, newsletter_html
from tests.mailserver import PASSWORD, Dovecot, unavailable

pytestmark = pytest.mark.skipif(bool(unavailable()), reason=unavailable() or "")

TAGGER = Tagger(load_topics(SEEDS / "topics.toml"))
OPTIONS = MailOptions(password=PASSWORD, insecure=True, timeout=10)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


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
        stories = [(f"{t} ({i})", f"{x} Issue {i}.") for t, x in STORIES]
        found.append(message(subject=f"Brief {i}", html=newsletter_html(stories)).as_bytes())
    return found


def put(dovecot: Dovecot, *messages: bytes, folder: str = "INBOX") -> None:
    imap = dovecot.client()
    try:
        for data in messages:
            imap.append(folder, data)
    finally:
        imap.logout()


def unseen(dovecot: Dovecot, folder: str = "INBOX") -> int:
    imap = dovecot.client()
    try:
        imap.select_folder(folder)
        return len(imap.search(["UNSEEN"]))
    finally:
        imap.logout()


async def add(sessions: async_sessionmaker[AsyncSession], url: str) -> int:
    async with sessions.begin() as session:
        feed, _ = await feed_store.add_feed(session, url)
        return feed.id


async def poll(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    mail: MailOptions = OPTIONS,
    now: datetime = NOW,
) -> list:
    return await ingest_due_feeds(sessions, client, TAGGER, now, mail=mail)


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_first_poll_stores_every_message_once_and_the_second_stores_nothing(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    put(dovecot, *corpus_messages(4))
    [first] = await poll(sessions, client)
    assert first.status is ReportStatus.OK and first.briefs == 4 and first.new > 4
    assert await count(sessions, MailMessage) == 4 and unseen(dovecot) == 0
    stories = await count(sessions, Story)
    [second] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert (second.new, second.briefs) == (0, 0)
    assert await count(sessions, Story) == stories

    put(dovecot, message(subject="Arrived between polls").as_bytes())
    [third] = await poll(sessions, client, now=NOW + timedelta(minutes=20))
    assert third.briefs == 1 and third.new == len(STORIES)
    async with sessions() as session:
        titles = set(await session.scalars(select(Brief.title)))
    assert "Arrived between polls" in titles


async def test_messages_stored_but_not_flagged_when_the_bot_died_are_flagged_not_stored_again(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    put(dovecot, *corpus_messages(3))
    await poll(sessions, client)
    stories = await count(sessions, Story)
    imap = dovecot.client()  # the state a crash between storing and flagging leaves
    imap.select_folder("INBOX")
    imap.remove_flags(imap.search(["ALL"]), [b"\\Seen"])
    imap.logout()
    assert unseen(dovecot) == 3

    [again] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert again.status is ReportStatus.OK and again.new == 0
    assert await count(sessions, Story) == stories
    assert await count(sessions, MailMessage) == 3
    assert unseen(dovecot) == 0


async def test_a_wrong_password_fails_that_mailbox_only_and_backs_off(
    dovecot: Dovecot,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    server: FeedServer,
) -> None:
    mailbox = await add(sessions, dovecot.url())
    await add(sessions, server.add("/wire.xml", rss("Wire", [Item("Steel", STORIES[1][1])])))
    put(dovecot, message().as_bytes())
    reports = await poll(sessions, client, MailOptions(password="wrong", insecure=True))
    by_id = {r.feed_id: r for r in reports}
    assert by_id[mailbox].status is ReportStatus.FAILED
    assert "login as reader failed" in (by_id[mailbox].error or "")
    assert "wrong" not in by_id[mailbox].describe()
    assert [r.status for r in reports if r.feed_id != mailbox] == [ReportStatus.OK]
    async with sessions() as session:
        feed = await session.get(Feed, mailbox)
        assert feed is not None and feed.consecutive_failures == 1
        assert feed.next_poll_at is not None and feed.next_poll_at > NOW
    assert unseen(dovecot) == 1


async def test_a_30_mb_message_is_left_unread_and_named_once(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    huge = message(
        message_id="<huge@news.test>",
        html=newsletter_html() + "<!--" + "x" * (30 * 1024 * 1024) + "-->",
    )
    put(dovecot, huge.as_bytes(), message().as_bytes())
    [first] = await poll(sessions, client)
    assert first.status is ReportStatus.OK and first.briefs == 1
    assert "<huge@news.test>" in (first.note or "") and "26,214,400-byte limit" in first.describe()
    assert unseen(dovecot) == 1
    [second] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert second.note is None and unseen(dovecot) == 1


async def test_a_message_in_windows_1251_is_stored_in_its_own_letters(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    stories = [("Удари по Києву.", "Росія атакувала Київ дронами вночі, повідомила влада. " * 5)]
    cyrillic = message(
        subject="Ранковий бриф", html=newsletter_html(stories), text="x", charset="windows-1251"
    )
    put(dovecot, cyrillic.as_bytes())
    [report] = await poll(sessions, client)
    assert report.new == 1
    async with sessions() as session:
        assert await session.scalar(select(Story.title)) == "Удари по Києву."
        assert await session.scalar(select(Brief.title)) == "Ранковий бриф"


async def test_starttls_works_and_an_unchecked_certificate_is_refused_unless_insecure(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url(starttls=True))
    put(dovecot, message().as_bytes())
    [refused] = await poll(sessions, client, MailOptions(password=PASSWORD))
    assert refused.status is ReportStatus.FAILED
    assert "BRIEFBOT_IMAP_INSECURE" in (refused.error or "")
    async with sessions.begin() as session:  # try again now, not after the back-off
        for feed in await feed_store.list_feeds(session):
            feed.next_poll_at = None
    [stored] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert stored.status is ReportStatus.OK and stored.new == len(STORIES)


async def test_stored_messages_are_moved_when_a_folder_is_named(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    imap = dovecot.client()
    imap.create_folder("Stored")
    imap.logout()
    await add(sessions, dovecot.url())
    put(dovecot, message(message_id=make_msgid()).as_bytes())
    mail = MailOptions(password=PASSWORD, insecure=True, move_to="Stored")
    [report] = await poll(sessions, client, mail)
    assert report.new == len(STORIES)
    imap = dovecot.client()
    assert imap.select_folder("INBOX")[b"EXISTS"] == 0
    assert imap.select_folder("Stored")[b"EXISTS"] == 1
    imap.logout()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


async def test_a_server_that_hangs_fails_after_the_timeout_and_the_feeds_go_on(
    silent_server: int,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    server: FeedServer,
) -> None:
    mailbox = await add(sessions, f"imaps://reader@127.0.0.1:{silent_server}/INBOX")
    await add(sessions, server.add("/wire.xml", rss("Wire", [Item("Steel", STORIES[1][1])])))
    mail = MailOptions(password=PASSWORD, insecure=True, timeout=1)
    reports = await asyncio.wait_for(poll(sessions, client, mail), timeout=20)
    by_id = {r.feed_id: r for r in reports}
    assert by_id[mailbox].status is ReportStatus.FAILED
    assert "did not answer in time" in (by_id[mailbox].error or "")
    assert [r.status for r in reports if r.feed_id != mailbox] == [ReportStatus.OK]


async def test_two_newsletters_in_one_folder_are_sources_of_their_own(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    mailbox = await add(sessions, dovecot.url())
    daily = message(subject="Daily", message_id=make_msgid())
    other = message(
        subject="Evening",
        sender="Evening Wire <wire@evening.test>",
        list_id=None,
        message_id=make_msgid(),
    )
    put(dovecot, daily.as_bytes(), other.as_bytes())
    await poll(sessions, client)
    async with sessions() as session:
        rows = (await session.execute(select(Brief.title, Feed.title, Feed.mailbox_id).join(
            Feed, Feed.id == Brief.feed_id))).all()  # fmt: skip
    assert sorted(rows) == [
        ("Daily", "The Daily Brief", mailbox),
        ("Evening", "Evening Wire", mailbox),
    ]
