"""Polling a mailbox on a real Dovecot server: every message stored once, then flagged.

Dovecot runs on 127.0.0.1 (tests/mailserver.py); the messages are built here
with Python's email package, from the shared corpus's newsletters where it is
present.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from email.utils import make_msgid
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.ingest.mailbox import BATCH, MailOptions, mailbox_address
from jobs.ingest.reports import FeedReport, ReportStatus
from storage import feeds as feed_store
from storage.mailboxes import MailMessage
from storage.models import Brief, Story
from tests.conftest import BACKENDS, ROOT
from tests.mailbuild import STORIES, message, newsletter_html, numbered
from tests.mailpoll import NOW, OPTIONS, add, corpus_messages, count, poll
from tests.mailserver import PASSWORD, Dovecot

both_databases = pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)


@both_databases
async def test_first_poll_stores_every_message_once_and_the_second_stores_nothing(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    dovecot.put(*corpus_messages(4))
    [first] = await poll(sessions, client)
    assert first.status is ReportStatus.OK and first.briefs == 4 and first.new > 4
    assert await count(sessions, MailMessage) == 4 and dovecot.unseen() == 0
    stories = await count(sessions, Story)
    [second] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert (second.new, second.briefs) == (0, 0)
    assert await count(sessions, Story) == stories

    dovecot.put(message(subject="Arrived between polls").as_bytes())
    [third] = await poll(sessions, client, now=NOW + timedelta(minutes=20))
    assert third.briefs == 1 and third.new == len(STORIES)
    async with sessions() as session:
        titles = set(await session.scalars(select(Brief.title)))
    assert "Arrived between polls" in titles


# A poll in a process of its own that dies (os._exit, no clean-up) right after the
# transaction that stored its first messages commits, before it flags them \Seen.
KILLED_AFTER_STORING = """
import asyncio, os, sys
import httpx
from sqlalchemy import event
from sqlalchemy.orm import Session
from storage import db
from tests.mailpoll import poll

@event.listens_for(Session, "do_orm_execute")
def _storing(state):
    table = getattr(state.statement, "table", None)
    if state.is_insert and getattr(table, "name", "") == "mail_messages":
        state.session.info["stored mail"] = True

@event.listens_for(Session, "after_commit")
def _die(session):
    if session.info.get("stored mail"):
        os._exit(9)

async def main():
    engine = db.create_engine(sys.argv[1])
    async with httpx.AsyncClient() as client:
        await poll(db.create_sessionmaker(engine), client)

asyncio.run(main())
"""


@both_databases
async def test_a_bot_killed_between_storing_and_flagging_stores_nothing_twice_and_loses_nothing(
    dovecot: Dovecot,
    empty_database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
) -> None:
    await add(sessions, dovecot.url())
    total = BATCH + 5
    dovecot.put(*corpus_messages(total))
    killed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", KILLED_AFTER_STORING, empty_database_url],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr[-2000:]
    assert await count(sessions, MailMessage) == BATCH  # stored, committed ...
    assert dovecot.unseen() == total  # ... and not one of them flagged
    stories = await count(sessions, Story)

    [again] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert again.status is ReportStatus.OK and (again.briefs, again.duplicates) == (5, 0)
    assert await count(sessions, MailMessage) == await count(sessions, Brief) == total
    assert await count(sessions, Story) == stories + again.new
    assert dovecot.unseen() == 0


async def poll_now(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, mail: MailOptions
) -> FeedReport:
    """Poll the one mailbox again now, not after the back-off of its last failure."""
    async with sessions.begin() as session:
        for feed in await feed_store.list_feeds(session):
            feed.next_poll_at = None
    [report] = await poll(sessions, client, mail)
    return report


@pytest.mark.parametrize("starttls", [False, True], ids=["imaps", "starttls"])
async def test_the_certificate_and_host_name_are_checked_unless_insecure(
    starttls: bool,
    dovecot: Dovecot,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add(sessions, dovecot.url(starttls=starttls))
    dovecot.put(message().as_bytes())
    checked = MailOptions(password=PASSWORD, timeout=10)
    refused = await poll_now(sessions, client, checked)
    assert refused.status is ReportStatus.FAILED
    assert "certificate verify failed" in (refused.error or "")
    assert "BRIEFBOT_IMAP_INSECURE" in (refused.error or "")
    assert dovecot.unseen() == 1

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))  # now a trusted one
    async with sessions.begin() as session:
        [feed] = await feed_store.list_feeds(session)
        feed.url = dovecot.url(starttls=starttls, host="localhost")  # not the name it is for
    wrong_name = await poll_now(sessions, client, checked)
    assert wrong_name.status is ReportStatus.FAILED
    assert "certificate verify failed" in (wrong_name.error or "")
    assert dovecot.unseen() == 1

    async with sessions.begin() as session:
        [feed] = await feed_store.list_feeds(session)
        feed.url = dovecot.url(starttls=starttls)
    trusted = await poll_now(sessions, client, checked)
    assert trusted.status is ReportStatus.OK and trusted.new == len(STORIES)
    dovecot.put(message(message_id=make_msgid(), html=newsletter_html(numbered(1))).as_bytes())
    monkeypatch.delenv("SSL_CERT_FILE")
    unchecked = await poll_now(sessions, client, OPTIONS)
    assert unchecked.status is ReportStatus.OK and unchecked.new == len(STORIES)
    assert dovecot.unseen() == 0


async def test_stored_messages_are_moved_when_a_folder_is_named(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    imap = dovecot.client()
    imap.create_folder("Stored")
    imap.logout()
    await add(sessions, dovecot.url())
    dovecot.put(message(message_id=make_msgid()).as_bytes())
    mail = MailOptions(password=PASSWORD, insecure=True, move_to="Stored")
    [report] = await poll(sessions, client, mail)
    assert report.new == len(STORIES)
    imap = dovecot.client()
    assert imap.select_folder("INBOX")[b"EXISTS"] == 0
    assert imap.select_folder("Stored")[b"EXISTS"] == 1
    imap.logout()


async def test_a_message_in_windows_1251_is_stored_in_its_own_letters(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    stories = [("Удари по Києву.", "Росія атакувала Київ дронами вночі, повідомила влада. " * 5)]
    cyrillic = message(
        subject="Ранковий бриф", html=newsletter_html(stories), text="x", charset="windows-1251"
    )
    data = cyrillic.as_bytes()
    assert b'charset="windows-1251"' in data and "Києву".encode() not in data
    dovecot.put(data)
    [report] = await poll(sessions, client)
    assert report.new == 1
    async with sessions() as session:
        assert await session.scalar(select(Story.title)) == "Удари по Києву."
        assert await session.scalar(select(Brief.title)) == "Ранковий бриф"


@both_databases
async def test_two_polls_of_one_mailbox_at_once_store_each_message_once(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    dovecot.put(*corpus_messages(BATCH + 10))
    reports = await asyncio.gather(poll(sessions, client), poll(sessions, client))
    assert all(r.status is ReportStatus.OK for [r] in reports)
    assert await count(sessions, MailMessage) == await count(sessions, Brief) == BATCH + 10
    async with sessions() as session:
        keys = list(await session.scalars(select(Story.content_key)))
    assert len(keys) == len(set(keys)) == sum(r.new for [r] in reports)
    assert dovecot.unseen() == 0


async def test_a_folder_named_with_spaces_and_cyrillic_is_read(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    folder = "Розсилки 2026"
    imap = dovecot.client()
    imap.create_folder(folder)
    imap.logout()
    dovecot.put(message().as_bytes(), folder=folder)
    mailbox = mailbox_address(dovecot.url(quote(folder))).url
    assert "%D0%A0" in mailbox and "%20" in mailbox  # stored and shown as a URL
    await add(sessions, mailbox)
    [report] = await poll(sessions, client)
    assert report.status is ReportStatus.OK and report.new == len(STORIES)
    assert dovecot.unseen(folder) == 0
