"""What mailbox sources deliver: the newsletters they receive (each a row of ``feeds``,
the unit of its briefs, template and health) and their messages, one row per mailbox
and Message-ID."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.dialect import insert_ignoring_conflicts, rowcount
from storage.models import Brief, Feed
from storage.states import FeedKind
from storage.types import Base, UTCDateTime, utcnow

NEWSLETTER_PREFIX = "mail:"  # a newsletter's URL in ``feeds``: this and its List-Id or sender


class MailMessage(Base):
    """A message a mailbox source delivered, by Message-ID: stored once, then flagged read.

    ``source`` is the newsletter it came from (List-Id, else the sender);
    ``skipped`` says why a message was left unread in the mailbox (too large,
    unreadable) instead of becoming a brief.
    """

    __tablename__ = "mail_messages"
    __table_args__ = (UniqueConstraint("feed_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(998))
    source: Mapped[str] = mapped_column(String(256))
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id", ondelete="SET NULL"))
    skipped: Mapped[str | None] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


async def known_messages(
    session: AsyncSession, feed_id: int, message_ids: Iterable[str]
) -> dict[str, str | None]:
    """Which of these Message-IDs this mailbox delivered before, each with why it was
    skipped (None: it was stored)."""
    wanted = list(set(message_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(MailMessage.message_id, MailMessage.skipped).where(
            MailMessage.feed_id == feed_id, MailMessage.message_id.in_(wanted)
        )
    )
    return {message_id: skipped for message_id, skipped in rows}


async def record_message(
    session: AsyncSession,
    feed_id: int,
    message_id: str,
    *,
    source: str,
    now: datetime,
    brief_key: str | None = None,
    skipped: str | None = None,
) -> bool:
    """Record a delivered message (with the brief it became, by key); True the first time."""
    brief_id = None
    if brief_key is not None:
        brief_id = await session.scalar(select(Brief.id).where(Brief.key == brief_key))
    result = await session.execute(
        insert_ignoring_conflicts(session, MailMessage.__table__).values(
            feed_id=feed_id,
            message_id=message_id[:998],
            source=source[:256],
            brief_id=brief_id,
            skipped=skipped,
            stored_at=now,
        )
    )
    return bool(rowcount(result))


async def message_counts(session: AsyncSession, feed_id: int) -> tuple[int, int]:
    """How many messages this mailbox delivered: (stored, skipped)."""
    rows = list(
        await session.execute(
            select(MailMessage.skipped.is_(None)).where(MailMessage.feed_id == feed_id)
        )
    )
    stored = sum(1 for (ok,) in rows if ok)
    return stored, len(rows) - stored


def newsletter_url(key: str) -> str:
    """The unique URL of a newsletter's row: its key (List-Id, else sender) under ``mail:``."""
    return NEWSLETTER_PREFIX + key


async def newsletter_ids(session: AsyncSession, keys: Iterable[str]) -> dict[str, int]:
    """The feed ids of the newsletters with these keys that have a row already."""
    urls = [newsletter_url(key) for key in keys]
    if not urls:
        return {}
    found = await session.execute(select(Feed.url, Feed.id).where(Feed.url.in_(urls)))
    return {url.removeprefix(NEWSLETTER_PREFIX): feed_id for url, feed_id in found}


async def newsletter_feeds(
    session: AsyncSession, mailbox_id: int | None, names: dict[str, str], now: datetime
) -> dict[str, int]:
    """The feed ids of these newsletters (key -> display name), each added the first time
    it is seen, titled with its name and linked to the mailbox it came to."""
    if not names:
        return {}
    rows = [
        {
            "url": newsletter_url(key),
            "title": (title or key)[:256],
            "kind": FeedKind.NEWSLETTER,
            "mailbox_id": mailbox_id,
            "enabled": True,
            "consecutive_failures": 0,
            "created_at": now,
        }
        for key, title in names.items()
    ]
    await session.execute(insert_ignoring_conflicts(session, Feed.__table__).values(rows))
    urls = [row["url"] for row in rows]
    if mailbox_id is not None:  # first read from a saved file: now it has its mailbox
        await session.execute(
            update(Feed)
            .where(Feed.url.in_(urls), Feed.mailbox_id.is_(None))
            .values(mailbox_id=mailbox_id)
            .execution_options(synchronize_session=False)
        )
    return await newsletter_ids(session, names)


async def brief_counts(session: AsyncSession) -> dict[int, int]:
    """How many briefs each newsletter gave."""
    rows = await session.execute(
        select(Brief.feed_id, func.count())
        .join(Feed, Feed.id == Brief.feed_id)
        .where(Feed.kind == FeedKind.NEWSLETTER)
        .group_by(Brief.feed_id)
    )
    return {int(feed_id or 0): int(n) for feed_id, n in rows}
