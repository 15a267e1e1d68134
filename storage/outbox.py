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

Planning queues its digests as ranges of digest ids (``outbox_ranges``), not
as a row each: before claiming, a sender turns the next digests of the oldest
due range into pending rows (``take_planned``), as many as it claims, so the
outbox holds a batch or two of a broadcast at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, func, literal, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate

from storage.dialect import insert_ignoring_conflicts, rowcount
from storage.models import Digest, OutboxMessage, OutboxRange, Story, StoryListItem, Subscriber
from storage.preferred import PreferredSource
from storage.states import DigestKind, OutboxKind, OutboxStatus
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


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row as claimed: what sending it needs (plain values, not an ORM object:
    a broadcast claims tens of thousands, and the sender only reads them)."""

    id: int
    subscriber_id: int | None
    digest_id: int | None
    kind: OutboxKind
    chat_id: int
    message_thread_id: int | None
    text: str | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    last_error: str | None


_OUTBOX = OutboxMessage.metadata.tables[OutboxMessage.__tablename__]
_CLAIMED = [_OUTBOX.c[f.name] for f in fields(Claimed)]


@functools.cache
def _claim_statement(dialect: str, limit: int) -> ReturningUpdate[Any]:
    """Claim up to ``limit`` rows due at ``:now`` or claimed before ``:lapsed_before``,
    oldest first, for ``:worker``: built once per dialect and batch size."""
    moment = _OUTBOX.c.next_attempt_at.type
    now = bindparam("now", type_=moment)
    lapsed_before = bindparam("lapsed_before", type_=moment)
    pending = and_(_OUTBOX.c.status == OutboxStatus.PENDING, _OUTBOX.c.next_attempt_at <= now)
    lapsed = and_(_OUTBOX.c.status == OutboxStatus.SENDING, _OUTBOX.c.claimed_at < lapsed_before)
    order = (_OUTBOX.c.next_attempt_at, _OUTBOX.c.id)
    if dialect == "postgresql":
        due = (
            select(_OUTBOX.c.id)
            .where(or_(pending, lapsed))
            .order_by(*order)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    else:
        # SQLite: one OR over both would sort every due row (milliseconds per claim in a
        # long broadcast). Each branch alone reads the (status, next_attempt_at) index in
        # order and stops after ``limit`` rows, so at most twice ``limit`` are sorted.
        branches = [
            select(*order).where(ready).order_by(*order).limit(limit).subquery().select()
            for ready in (pending, lapsed)
        ]
        both = union_all(*branches).subquery()
        due = select(both.c.id).order_by(both.c.next_attempt_at, both.c.id).limit(limit)
    return (
        update(_OUTBOX)
        .where(_OUTBOX.c.id.in_(due.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=bindparam("claimed_at", type_=moment),
            claimed_by=bindparam("worker"),
            attempts=_OUTBOX.c.attempts + 1,
        )
        .returning(*_CLAIMED)
    )


async def take_planned(session: AsyncSession, now: datetime, limit: int) -> int:
    """Give up to ``limit`` planned digests due at ``now`` their pending outbox rows, the
    oldest range's first; how many were made.

    Each row gets its chat as it is now (a group that moved since planning is
    followed) and the range's time as its ``next_attempt_at``, so the claim that
    follows takes them in the order they were planned. A digest deleted since
    (``forget``) is left out. On PostgreSQL the range is locked while it is taken
    from; another sender takes from another range, or from rows made already.
    """
    made = 0
    while made < limit:
        oldest = (
            select(OutboxRange.id, OutboxRange.kind, OutboxRange.after_id, OutboxRange.last_id)
            .where(OutboxRange.due_at <= now)
            .order_by(OutboxRange.due_at, OutboxRange.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            oldest = oldest.with_for_update(skip_locked=True)
        found = (await session.execute(oldest)).first()
        if found is None:
            return made
        range_id, kind, after_id, last_id = found
        ids = (
            select(Digest.id)
            .where(Digest.id > after_id, Digest.id <= last_id, Digest.kind == kind)
            .order_by(Digest.id)
            .limit(limit - made)
            .subquery()
        )
        upto = await session.scalar(select(func.max(ids.c.id)))
        step = 0
        if upto is not None:
            result = await session.execute(
                insert_ignoring_conflicts(session, OutboxMessage.__table__).from_select(
                    [
                        "subscriber_id",
                        "digest_id",
                        "kind",
                        "chat_id",
                        "status",
                        "attempts",
                        "next_attempt_at",
                        "created_at",
                    ],
                    select(
                        Digest.subscriber_id,
                        Digest.id,
                        literal(OutboxKind.DIGEST.value),
                        Subscriber.chat_id,
                        literal(OutboxStatus.PENDING.value),
                        literal(0),
                        OutboxRange.due_at,
                        OutboxRange.created_at,
                    )
                    .join(Subscriber, Subscriber.id == Digest.subscriber_id)
                    .join(OutboxRange, OutboxRange.id == range_id)
                    .where(Digest.id > after_id, Digest.id <= upto, Digest.kind == kind)
                    .order_by(Digest.id),
                )
            )
            step = rowcount(result)
            made += step
        taken = OutboxRange.id == range_id
        if upto is None or upto >= last_id:
            await session.execute(delete(OutboxRange).where(taken))
        else:
            await session.execute(
                update(OutboxRange)
                .where(taken)
                .values(after_id=upto, waiting=OutboxRange.waiting - step)
            )
    return made


async def claim_batch(
    session: AsyncSession,
    now: datetime,
    limit: int,
    worker_id: str,
    *,
    lease: timedelta = DEFAULT_LEASE,
) -> list[Claimed]:
    """Claim up to ``limit`` rows that are due (or whose claim lapsed), oldest first.

    Each claimed row is ``sending``, claimed by ``worker_id`` at ``now``, its
    attempts counted. Commit soon after claiming, so other workers see it.
    """
    await take_planned(session, now, limit)
    statement = _claim_statement(session.get_bind().dialect.name, limit)
    params = {"now": now, "lapsed_before": now - lease, "claimed_at": now, "worker": worker_id}
    claimed = [Claimed(*row) for row in await session.execute(statement, params)]
    return sorted(claimed, key=lambda m: (m.next_attempt_at, m.id))


_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("sent_id"))
    .values(
        status=OutboxStatus.SENT,
        telegram_message_id=bindparam("message_id"),
        sent_at=bindparam("sent_at"),
        last_error=None,
    )
)


async def mark_all_sent(
    session: AsyncSession, sent: Sequence[tuple[int, int | None]], now: datetime | None = None
) -> None:
    """Many messages went out, as ``(outbox id, Telegram message id)``: one statement, run
    for every row by the driver (no SQL expression is built per row)."""
    if not sent:
        return
    at = now if now is not None else utcnow()
    await session.execute(
        _MARK_SENT,
        [{"sent_id": id, "message_id": message_id, "sent_at": at} for id, message_id in sent],
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
    """How many messages are waiting to be sent (pending or being sent, or planned and
    not taken into the outbox yet)."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
    )
    planned = await session.scalar(select(func.sum(OutboxRange.waiting)))
    return (count or 0) + max(planned or 0, 0)


class PlannedDigest(NamedTuple):
    """What sending a digest needs: its heading's facts, its story list, the language
    its reader chose (None: not chosen) and the reader's preferred sources (feed ids,
    most preferred first)."""

    id: int
    kind: DigestKind
    local_date: date | None
    more_count: int
    list_id: int | None
    language: str | None
    preferred: tuple[int, ...] = ()


async def load_digests(
    session: AsyncSession, digest_ids: Sequence[int]
) -> dict[int, PlannedDigest]:
    """The digests behind a batch of outbox rows, by id, in one query."""
    if not digest_ids:
        return {}
    columns = (Digest.id, Digest.kind, Digest.local_date, Digest.more_count, Digest.list_id)
    found = await session.execute(
        select(*columns, Subscriber.language, PreferredSource.feed_id)
        .join(Subscriber, Subscriber.id == Digest.subscriber_id)
        .outerjoin(PreferredSource, PreferredSource.subscriber_id == Subscriber.id)
        .where(Digest.id.in_(digest_ids))
        .order_by(Digest.id, PreferredSource.position)
    )
    digests: dict[int, PlannedDigest] = {}
    for digest_id, kind, local_date, more_count, list_id, language, feed_id in found:
        digest = digests.get(digest_id) or PlannedDigest(
            digest_id, kind, local_date, more_count, list_id, language
        )
        if feed_id is not None:
            digest = digest._replace(preferred=(*digest.preferred, feed_id))
        digests[digest_id] = digest
    return digests


async def load_lists(session: AsyncSession, list_ids: Iterable[int]) -> dict[int, list[Story]]:
    """Story lists by id, each list's stories in order, with their tags loaded."""
    lists: dict[int, list[int]] = {list_id: [] for list_id in list_ids}
    if not lists:
        return {}
    items = await session.execute(
        select(StoryListItem.list_id, StoryListItem.story_id)
        .where(StoryListItem.list_id.in_(lists))
        .order_by(StoryListItem.list_id, StoryListItem.position)
    )
    for list_id, story_id in items:
        lists[list_id].append(story_id)
    wanted = {story_id for ids in lists.values() for story_id in ids}
    stories = {s.id: s for s in await session.scalars(select(Story).where(Story.id.in_(wanted)))}
    return {list_id: [stories[i] for i in ids if i in stories] for list_id, ids in lists.items()}


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
    return rowcount(result)
