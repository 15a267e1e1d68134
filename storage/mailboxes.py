"""The messages mailbox sources delivered: one row per mailbox and Message-ID."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts
from storage.models import Brief, MailMessage


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
        insert_ignoring_conflicts(session, MailMessage.__table__).values(  # type: ignore[arg-type]
            feed_id=feed_id,
            message_id=message_id[:998],
            source=source[:256],
            brief_id=brief_id,
            skipped=skipped,
            stored_at=now,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def message_counts(session: AsyncSession, feed_id: int) -> tuple[int, int]:
    """How many messages this mailbox delivered: (stored, skipped)."""
    rows = list(
        await session.execute(
            select(MailMessage.skipped.is_(None)).where(MailMessage.feed_id == feed_id)
        )
    )
    stored = sum(1 for (ok,) in rows if ok)
    return stored, len(rows) - stored
