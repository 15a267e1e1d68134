"""A mailbox in trouble on a real Dovecot server: one line each, nothing lost, the other
sources polled as usual."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.feeds.alerts import check_feed_health
from jobs.ingest.mailbox import MailOptions
from jobs.ingest.reports import FeedReport, ReportStatus
from storage.mailboxes import MailMessage
from storage.models import Brief, Feed, OutboxMessage, Story
from tests.feedserver import FeedServer, Item, rss
from tests.jobs.test_emails import with_boundary
from tests.mailbuild import ONLY_A_PICTURE, STORIES, message, newsletter_html, numbered
from tests.mailpoll import NOW, OPTIONS, add, count, poll
from tests.mailserver import PASSWORD, Dovecot

ADMINS = [111]


async def add_wire(sessions: async_sessionmaker[AsyncSession], server: FeedServer) -> None:
    """An ordinary feed beside the mailbox, to show it is polled as usual."""
    steel = "Steel prices rose for a third week as mills in Europe cut output and buyers waited."
    await add(sessions, server.add("/wire.xml", rss("Wire", [Item("Steel", steel)])))


def by_feed(reports: list[FeedReport]) -> dict[int | None, FeedReport]:
    return {r.feed_id: r for r in reports}


async def test_a_wrong_password_fails_that_mailbox_only_backs_off_and_alerts_the_admins(
    dovecot: Dovecot,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    server: FeedServer,
) -> None:
    mailbox = await add(sessions, dovecot.url())
    async with sessions.begin() as session:
        feed = await session.get(Feed, mailbox)
        assert feed is not None
        feed.created_at = NOW
    await add_wire(sessions, server)
    dovecot.put(message().as_bytes())
    wrong = MailOptions(password="wrong-password", insecure=True, timeout=10)
    reports = by_feed(await poll(sessions, client, wrong))
    assert reports[mailbox].status is ReportStatus.FAILED
    assert "login as reader failed" in (reports[mailbox].error or "")
    assert "wrong-password" not in reports[mailbox].describe()
    assert [r.status for i, r in reports.items() if i != mailbox] == [ReportStatus.OK]
    async with sessions() as session:
        feed = await session.get(Feed, mailbox)
        assert feed is not None and feed.consecutive_failures == 1
        assert feed.next_poll_at is not None and feed.next_poll_at > NOW
    assert dovecot.unseen() == 1

    later = NOW + timedelta(hours=7)
    await poll(sessions, client, wrong, now=later)
    health = await check_feed_health(
        sessions, later, threshold=timedelta(hours=6), admin_chat_ids=ADMINS
    )
    assert len(health.alerted) == 1
    async with sessions() as session:
        [alert] = await session.scalars(select(OutboxMessage))
    assert alert.chat_id == ADMINS[0] and "login as reader failed" in (alert.text or "")
    assert "wrong-password" not in (alert.text or "")

    await poll(sessions, client, now=later + timedelta(hours=1))
    assert dovecot.unseen() == 0 and await count(sessions, Brief) == 2  # the feed's and the mail
    recovered = await check_feed_health(
        sessions, later + timedelta(hours=1), threshold=timedelta(hours=6), admin_chat_ids=ADMINS
    )
    assert recovered.cleared == 1


async def test_a_30_mb_message_is_left_unread_and_named_once(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    huge = message(
        message_id="<huge@news.test>",
        html=newsletter_html() + "<!--" + "x" * (30 * 1024 * 1024) + "-->",
    )
    dovecot.put(huge.as_bytes(), message().as_bytes())
    [first] = await poll(sessions, client)
    assert first.status is ReportStatus.OK and first.briefs == 1
    assert "<huge@news.test>" in (first.note or "") and "26,214,400-byte limit" in first.describe()
    assert "\n" not in first.describe()
    assert dovecot.unseen() == 1
    [second] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert second.note is None and dovecot.unseen() == 1


async def test_broken_mime_and_unknown_charsets_are_read_and_an_unreadable_one_named_once(
    dovecot: Dovecot, sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    await add(sessions, dovecot.url())
    wrong_boundary = with_boundary(
        message(subject="Wrong boundary", html=newsletter_html(numbered(1))).as_bytes(),
        b'; boundary="not-the-one-used"',
    )
    unknown = message(subject="Unknown charset", html=newsletter_html(numbered(2))).as_bytes()
    unknown = unknown.replace(b'charset="utf-8"', b'charset="x-no-such-charset"')
    dovecot.put(wrong_boundary, unknown, ONLY_A_PICTURE)
    [report] = await poll(sessions, client)
    assert report.status is ReportStatus.OK and report.briefs == 2
    assert report.note is not None and "\n" not in report.note
    assert "<picture@news.test>" in report.note and "no text or HTML part" in report.note
    async with sessions() as session:
        stories = list(await session.execute(select(Brief.title, Story.title).join(Brief)))
        texts = " ".join(await session.scalars(select(Story.text)))
    for issue, subject in enumerate(("Wrong boundary", "Unknown charset"), start=1):
        expected = [title for title, _ in numbered(issue)]
        assert sorted(s for b, s in stories if b == subject) == sorted(expected)
    assert "Content-Type" not in texts
    assert dovecot.unseen() == 1  # the picture, for a person to look at
    assert await count(sessions, MailMessage) == 3
    [again] = await poll(sessions, client, now=NOW + timedelta(minutes=10))
    assert (again.note, again.briefs) == (None, 0) and dovecot.unseen() == 1


async def test_a_server_that_hangs_fails_after_the_timeout_and_loses_nothing(
    dovecot: Dovecot,
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    server: FeedServer,
) -> None:
    mailbox = await add(sessions, dovecot.url())
    await add_wire(sessions, server)
    dovecot.put(message().as_bytes())
    mail = MailOptions(password=PASSWORD, insecure=True, timeout=1)
    with dovecot.frozen():
        reports = by_feed(await asyncio.wait_for(poll(sessions, client, mail), timeout=20))
    assert reports[mailbox].status is ReportStatus.FAILED
    assert "did not answer in time" in (reports[mailbox].error or "")
    assert [r.status for i, r in reports.items() if i != mailbox] == [ReportStatus.OK]
    assert dovecot.unseen() == 1

    async with sessions.begin() as session:  # try again now, not after the back-off
        feed = await session.get(Feed, mailbox)
        assert feed is not None
        feed.next_poll_at = None
    answered = by_feed(await poll(sessions, client, OPTIONS, now=NOW + timedelta(minutes=10)))[
        mailbox
    ]
    assert answered.status is ReportStatus.OK and answered.new == len(STORIES)
    assert dovecot.unseen() == 0


async def test_a_mailbox_without_a_password_names_the_setting_and_connects_nowhere(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    nobody_listens = "imaps://reader@127.0.0.1:9/INBOX"
    await add(sessions, nobody_listens)
    [report] = await poll(sessions, client, MailOptions(password=None, insecure=True))
    assert report.status is ReportStatus.FAILED
    assert report.error == (
        "no mailbox password: set BRIEFBOT_IMAP_PASSWORD or BRIEFBOT_IMAP_PASSWORD_FILE"
    )
