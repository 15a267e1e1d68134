"""The outbox: planned messages that senders claim, send and mark.

A row is ``pending`` until a sender claims it (``sending``, with the claim
time and the worker's id), then ``sent`` with Telegram's message id, or back
to ``pending`` with a later ``next_attempt_at`` for a retry, or ``failed``
with the reason. A sender that dies mid-send leaves rows in ``sending``; once
their claim is older than the lease, any sender may claim them again, so a
crash loses nothing and repeats at most the messages that were in flight.

Claims never hand one row to two workers: on PostgreSQL the candidate rows
are locked with ``FOR UPDATE SKIP LOCKED``; on SQLite the claim is a single
``UPDATE ... RETURNING`` under the database's write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Digest, OutboxKind, OutboxMessage, OutboxStatus, Story
from storage.types import utcnow

DEFAULT_LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 2000


async def enqueue_digest(
    session: AsyncSession, subscriber_id: int, chat_id: int, digest_id: int
) -> OutboxMessage:
    """Queue one digest for sending now (the unique digest id keeps it to one row)."""
    row = OutboxMessage(
        subscriber_id=subscriber_id,
        digest_id=digest_id,
        kind=OutboxKind.DIGEST,
        chat_id=chat_id,
        status=OutboxStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def claim_batch(
    session: AsyncSession,
    now: datetime,
    limit: int,
    worker_id: str,
    *,
    lease: timedelta = DEFAULT_LEASE,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` rows that are due (or whose claim lapsed), oldest first.

    Each claimed row is ``sending``, claimed by ``worker_id`` at ``now``, its
    attempts counted. Commit soon after claiming, so other workers see it.
    """
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - lease),
    )
    candidates = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    result = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            claimed_by=worker_id,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
        .execution_options(populate_existing=True)
    )
    return sorted(result, key=lambda m: (m.next_attempt_at, m.id))


async def mark_all_sent(
    session: AsyncSession, sent: Sequence[tuple[int, int | None]], now: datetime | None = None
) -> None:
    """Many messages went out, as ``(outbox id, Telegram message id)``: one statement for all."""
    if not sent:
        return
    table = OutboxMessage.metadata.tables[OutboxMessage.__tablename__]
    statement = (
        update(table)
        .where(table.c.id == bindparam("outbox_id"))
        .values(
            status=OutboxStatus.SENT,
            telegram_message_id=bindparam("message_id"),
            sent_at=now if now is not None else utcnow(),
            last_error=None,
        )
    )
    await session.execute(
        statement, [{"outbox_id": id, "message_id": message_id} for id, message_id in sent]
    )


async def release(session: AsyncSession, ids: Sequence[int]) -> None:
    """Claimed messages that were never sent go back to ``pending``, their attempt uncounted."""
    if not ids:
        return
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.SENDING)
        .values(
            status=OutboxStatus.PENDING,
            claimed_at=None,
            claimed_by=None,
            attempts=OutboxMessage.attempts - 1,
        )
    )


async def mark_retry(session: AsyncSession, id: int, error: str, next_attempt_at: datetime) -> None:
    """Sending failed for now: try again at ``next_attempt_at``."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == id)
        .values(
            status=OutboxStatus.PENDING,
            next_attempt_at=next_attempt_at,
            claimed_at=None,
            claimed_by=None,
            last_error=error[:MAX_ERROR_LENGTH],
        )
    )


async def mark_failed(session: AsyncSession, id: int, reason: str) -> None:
    """Give up on a message, saying why."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == id)
        .values(status=OutboxStatus.FAILED, last_error=reason[:MAX_ERROR_LENGTH])
    )


async def outbox_depth(session: AsyncSession) -> int:
    """How many messages are waiting to be sent (pending or being sent)."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
    )
    return count or 0


async def load_digests(
    session: AsyncSession, digest_ids: Sequence[int]
) -> dict[int, tuple[Digest, list[Story]]]:
    """The digests behind a batch of outbox rows, each with its stories in order (tags loaded)."""
    if not digest_ids:
        return {}
    found = list(await session.scalars(select(Digest).where(Digest.id.in_(digest_ids))))
    story_ids = {item.story_id for digest in found for item in digest.items}
    stories = {s.id: s for s in await session.scalars(select(Story).where(Story.id.in_(story_ids)))}
    return {
        d.id: (d, [stories[i.story_id] for i in d.items if i.story_id in stories]) for d in found
    }


async def retarget_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: point its unsent messages at the new chat id."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(chat_id=new_chat_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
