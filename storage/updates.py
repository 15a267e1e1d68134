"""Telegram updates handled lately, by id, so an update that arrives twice is handled once.

Telegram sends an update again when an answer was slow (a webhook) or when a
poll's offset was lost; the primary key on ``update_id`` decides which copy
is first, on polling and webhook alike and across processes. Ids older than
``KEEP`` are pruned now and then, so the table stays small.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.dialect import insert_ignoring_conflicts, rowcount
from storage.models import Base
from storage.types import UTCDateTime

KEEP = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours


class SeenUpdate(Base):
    """One Telegram update id, and when it was first seen."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


async def first_sight(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record ``update_id``; True if no one recorded it before."""
    result = await session.execute(
        insert_ignoring_conflicts(session, SeenUpdate.__table__).values(
            update_id=update_id, seen_at=now
        )
    )
    return bool(rowcount(result))


async def first_sightings(
    session: AsyncSession, update_ids: Collection[int], now: datetime
) -> set[int]:
    """Record every id of ``update_ids`` in one statement; the ones no one recorded before."""
    if not update_ids:
        return set()
    statement = (
        insert_ignoring_conflicts(session, SeenUpdate.__table__)
        .values([{"update_id": i, "seen_at": now} for i in update_ids])
        .returning(SeenUpdate.update_id)
    )
    return set((await session.scalars(statement)).all())


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget ids seen longer than ``KEEP`` ago; returns how many."""
    result = await session.execute(delete(SeenUpdate).where(SeenUpdate.seen_at < now - KEEP))
    return rowcount(result)
