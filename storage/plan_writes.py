"""Writing a plan: digests, their items, deliveries and outbox rows, from the plan tables.

The second half of ``storage.planning``: it reads ``plan_due`` and
``plan_matches`` (filled there) and writes everything with ``INSERT ... SELECT``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, insert, literal, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignoring_conflicts
from storage.models import (
    Delivery,
    Digest,
    DigestItem,
    DigestKind,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from storage.planning import PLAN, SKIP, PlanCounts, plan_due, plan_matches
from storage.types import UTCDateTime


async def write_digests(
    session: AsyncSession,
    now: datetime,
    kind: DigestKind,
    max_stories: int,
    *,
    mark_empty: bool,
    notify_empty: bool,
) -> PlanCounts:
    """Turn ``plan_due`` and ``plan_matches`` into digests, items, deliveries and outbox rows.

    ``mark_empty``: a due subscriber with nothing new still gets a digest row
    of kind ``skipped`` (no items, no outbox message) so the date counts as
    done; ``skip`` rows always get one. ``notify_empty``: a due subscriber with
    nothing new gets a real (empty) digest and its message instead.
    """
    first = (
        select(plan_matches.c.subscriber_id, plan_matches.c.total)
        .where(plan_matches.c.rank == 1)
        .subquery("first")
    )
    has_stories = first.c.subscriber_id.is_not(None)
    counts: dict[str, int] = dict(
        (
            await session.execute(
                select(
                    case(
                        (plan_due.c.action == SKIP, "skipped"),
                        (has_stories, "digests"),
                        else_="empty",
                    ).label("outcome"),
                    func.count(),
                )
                .select_from(
                    plan_due.outerjoin(first, first.c.subscriber_id == plan_due.c.subscriber_id)
                )
                .group_by("outcome")
            )
        ).all()
    )
    last_id = await session.scalar(select(func.coalesce(func.max(Digest.id), 0)))
    await session.execute(
        insert_ignoring_conflicts(session, Digest.__table__).from_select(  # type: ignore[arg-type]
            ["subscriber_id", "kind", "local_date", "more_count", "created_at"],
            select(
                plan_due.c.subscriber_id,
                case(
                    (plan_due.c.action == SKIP, DigestKind.SKIPPED.value),
                    (has_stories, kind.value),
                    else_=kind.value if notify_empty else DigestKind.SKIPPED.value,
                ),
                plan_due.c.local_date,
                case(
                    (first.c.total > max_stories, first.c.total - max_stories),
                    else_=0,
                ),
                literal(now, UTCDateTime()),
            )
            .select_from(
                plan_due.outerjoin(first, first.c.subscriber_id == plan_due.c.subscriber_id)
            )
            .where(
                true()
                if mark_empty or notify_empty
                else or_(plan_due.c.action == SKIP, has_stories)
            )
            .order_by(plan_due.c.subscriber_id),
        )
    )
    new = (
        select(Digest.id, Digest.subscriber_id)
        .where(Digest.id > last_id, Digest.kind == kind)
        .subquery("new")
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Each row's foreign-key checks run a cached lookup per parent table; against a
        # small stories table PostgreSQL plans it as a sequential scan, ~5x slower per row.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
    await session.execute(
        insert(DigestItem).from_select(
            ["digest_id", "position", "story_id"],
            select(new.c.id, plan_matches.c.rank, plan_matches.c.story_id).join(
                plan_matches, plan_matches.c.subscriber_id == new.c.subscriber_id
            ),
        )
    )
    await session.execute(
        insert_ignoring_conflicts(session, Delivery.__table__).from_select(  # type: ignore[arg-type]
            ["subscriber_id", "story_id", "delivered_at"],
            select(
                plan_matches.c.subscriber_id, plan_matches.c.story_id, literal(now, UTCDateTime())
            ).where(true()),
        )
    )
    if postgres:
        await session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))
    sent = await session.execute(
        insert(OutboxMessage).from_select(
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
                new.c.subscriber_id,
                new.c.id,
                literal(OutboxKind.DIGEST.value),
                plan_due.c.chat_id,
                literal(OutboxStatus.PENDING.value),
                literal(0),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
            )
            .join(plan_due, plan_due.c.subscriber_id == new.c.subscriber_id)
            .outerjoin(first, first.c.subscriber_id == new.c.subscriber_id)
            .where(plan_due.c.action == PLAN, true() if notify_empty else has_stories)
            .order_by(new.c.id),
        )
    )
    stories = await session.scalar(select(func.count()).select_from(plan_matches))
    empty = counts.get("empty", 0)
    return PlanCounts(
        digests=sent.rowcount,  # type: ignore[attr-defined]
        stories=stories or 0,
        empty=empty if (mark_empty and not notify_empty) else 0,
        skipped=counts.get("skipped", 0),
    )
