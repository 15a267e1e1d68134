"""Set-based digest planning in SQL: due subscribers x matching unseen stories -> outbox.

Planning runs a fixed handful of statements whatever the number of
subscribers, through three temporary tables:

- ``plan_windows``: per time zone, the local date and the range of digest
  times that are due (or, for ``skip`` rows, that fell out of the grace window);
  computed in Python by ``jobs.plan`` because only Python knows time zones on
  both SQLite and PostgreSQL.
- ``plan_due``: the subscribers to plan for, with their local date.
- ``plan_matches``: each due subscriber's first ``max_stories`` matching,
  undelivered stories, newest briefs first, with the total count.

From those, ``INSERT ... SELECT`` statements write digests, digest items,
deliveries and outbox rows. The caller holds the planning lock
(``take_planning_lock``) so that no other planner inserts digests meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Time,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from storage.dialect import insert_ignoring_conflicts, upsert
from storage.models import (
    Brief,
    Delivery,
    DeliveryMode,
    Digest,
    DigestItem,
    DigestKind,
    JobRun,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Story,
    StoryKeyword,
    StoryTopic,
    Subscriber,
    SubscriberKeyword,
    SubscriberState,
    SubscriberTopic,
)
from storage.types import UTCDateTime

# pg_try_advisory_xact_lock key: "brief" in ASCII, shared by every planning kind.
PLANNING_LOCK_KEY = 0x6272696566
PLAN = "plan"
SKIP = "skip"

_temporary = MetaData()
plan_windows = Table(
    "plan_windows",
    _temporary,
    Column("timezone", String(64), nullable=False),
    Column("local_date", Date),
    Column("from_time", Time, nullable=False),
    Column("to_time", Time, nullable=False),
    Column("created_before", UTCDateTime, nullable=False),
    Column("action", String(8), nullable=False),
    prefixes=["TEMPORARY"],
)
plan_due = Table(
    "plan_due",
    _temporary,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("local_date", Date),
    Column("action", String(8), nullable=False),
    prefixes=["TEMPORARY"],
)
plan_matches = Table(
    "plan_matches",
    _temporary,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=False),
    Column("rank", Integer, primary_key=True, autoincrement=False),
    Column("story_id", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
TEMPORARY_TABLES = (plan_windows, plan_due, plan_matches)


@dataclass(frozen=True, slots=True)
class DueWindow:
    """Subscribers in ``timezone`` whose digest time lies in [from_time, to_time].

    ``local_date`` is the date the digest is for (None for instant alerts);
    ``action`` is ``plan`` (send it) or ``skip`` (too late: mark the date done).
    Subscribers created at or after ``created_before`` are left out.
    """

    timezone: str
    local_date: date | None
    from_time: time
    to_time: time
    created_before: datetime
    action: str = PLAN


@dataclass(frozen=True, slots=True)
class PlanCounts:
    digests: int = 0  # digests with an outbox message
    stories: int = 0  # digest items, i.e. stories now delivered
    empty: int = 0  # scheduled dates with nothing new and no message
    skipped: int = 0  # scheduled dates past the grace window, marked done


async def take_planning_lock(session: AsyncSession, name: str, now: datetime) -> bool:
    """Make this transaction the only planner; False if another one is planning.

    PostgreSQL: a transaction-level advisory lock, released at commit or
    rollback. SQLite: writing the job's ``job_runs`` row first takes the
    database's write lock, so a second planner waits for the first to commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(
            select(func.pg_try_advisory_xact_lock(literal(PLANNING_LOCK_KEY, BigInteger)))
        )
        if not locked:
            return False
    await session.execute(
        upsert(session, JobRun.__table__, ["name"], ["last_started_at"]),  # type: ignore[arg-type]
        {"name": name, "last_started_at": now},
    )
    return True


async def distinct_timezones(session: AsyncSession) -> list[str]:
    """The time zones of subscribers who could get anything."""
    result = await session.scalars(
        select(Subscriber.timezone)
        .where(Subscriber.state.in_([SubscriberState.ACTIVE, SubscriberState.PAUSED]))
        .distinct()
    )
    return sorted(result)


async def create_plan_tables(session: AsyncSession, windows: Sequence[DueWindow]) -> None:
    """Create the temporary tables (empty) and fill ``plan_windows``."""
    await drop_plan_tables(session)
    await session.run_sync(_create_temporary_tables)
    if windows:
        await session.execute(
            insert(plan_windows),
            [
                {
                    "timezone": w.timezone,
                    "local_date": w.local_date,
                    "from_time": w.from_time,
                    "to_time": w.to_time,
                    "created_before": w.created_before,
                    "action": w.action,
                }
                for w in windows
            ],
        )


def _create_temporary_tables(sync_session: Session) -> None:
    for table in TEMPORARY_TABLES:
        table.create(sync_session.connection())


async def drop_plan_tables(session: AsyncSession) -> None:
    for table in reversed(TEMPORARY_TABLES):
        await session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def _receiving(now: datetime, modes: Sequence[DeliveryMode]) -> Select[Any]:
    """Subscribers who get messages now in one of ``modes`` (paused ones whose pause ran out)."""
    return select(Subscriber.id).where(
        Subscriber.mode.in_(modes),
        or_(
            Subscriber.state == SubscriberState.ACTIVE,
            and_(
                Subscriber.state == SubscriberState.PAUSED,
                Subscriber.paused_until.is_not(None),
                Subscriber.paused_until <= now,
            ),
        ),
    )


async def select_due(session: AsyncSession, now: datetime, kind: DigestKind) -> None:
    """Fill ``plan_due``: receiving subscribers inside a window without that date's digest."""
    modes = (
        [DeliveryMode.INSTANT, DeliveryMode.BOTH]
        if kind is DigestKind.INSTANT
        else [DeliveryMode.DIGEST, DeliveryMode.BOTH]
    )
    w = plan_windows
    query = (
        _receiving(now, modes)
        .add_columns(Subscriber.chat_id, w.c.local_date, w.c.action)
        .join(w, w.c.timezone == Subscriber.timezone)
        .where(
            Subscriber.digest_time >= w.c.from_time,
            Subscriber.digest_time <= w.c.to_time,
            Subscriber.created_at < w.c.created_before,
        )
    )
    if kind is DigestKind.SCHEDULED:
        query = query.where(
            ~exists().where(
                Digest.subscriber_id == Subscriber.id, Digest.local_date == w.c.local_date
            )
        )
    await session.execute(
        insert(plan_due).from_select(["subscriber_id", "chat_id", "local_date", "action"], query)
    )


async def select_matches(
    session: AsyncSession, since: datetime, max_stories: int, *, by_story_time: bool
) -> None:
    """Fill ``plan_matches`` with each due subscriber's first stories and their total.

    A story matches a subscriber through a followed topic (story_topics) or
    one of their keywords (story_keywords); stories already delivered to the
    subscriber are left out. Newest briefs first, then the brief's own order.
    """
    due = select(plan_due.c.subscriber_id).where(plan_due.c.action == PLAN).subquery("due")
    recent = (
        select(Story.id.label("story_id"))
        .join(Brief, Brief.id == Story.brief_id)
        .where((Story.ingested_at if by_story_time else Brief.ingested_at) >= since)
        .subquery("recent")
    )
    by_topic = (
        select(due.c.subscriber_id, StoryTopic.story_id)
        .join(SubscriberTopic, SubscriberTopic.subscriber_id == due.c.subscriber_id)
        .join(StoryTopic, StoryTopic.topic_slug == SubscriberTopic.topic_slug)
        .join(recent, recent.c.story_id == StoryTopic.story_id)
    )
    by_keyword = (
        select(due.c.subscriber_id, StoryKeyword.story_id)
        .join(SubscriberKeyword, SubscriberKeyword.subscriber_id == due.c.subscriber_id)
        .join(StoryKeyword, StoryKeyword.keyword == SubscriberKeyword.keyword)
        .join(recent, recent.c.story_id == StoryKeyword.story_id)
    )
    pairs = union(by_topic, by_keyword).subquery("pairs")
    order = (Brief.ingested_at.desc(), Brief.id.desc(), Story.position, Story.id)
    ranked = (
        select(
            pairs.c.subscriber_id,
            pairs.c.story_id,
            func.row_number()
            .over(partition_by=pairs.c.subscriber_id, order_by=order)
            .label("rank"),
            func.count().over(partition_by=pairs.c.subscriber_id).label("total"),
        )
        .join(Story, Story.id == pairs.c.story_id)
        .join(Brief, Brief.id == Story.brief_id)
        .where(
            ~exists().where(
                Delivery.subscriber_id == pairs.c.subscriber_id,
                Delivery.story_id == pairs.c.story_id,
            )
        )
        .subquery("ranked")
    )
    await session.execute(
        insert(plan_matches).from_select(
            ["subscriber_id", "rank", "story_id", "total"],
            select(ranked.c.subscriber_id, ranked.c.rank, ranked.c.story_id, ranked.c.total).where(
                ranked.c.rank <= max_stories
            ),
        )
    )


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
    (no items, no outbox message) so the date counts as done; ``skip`` rows
    always get one. ``notify_empty``: such a digest is sent all the same.
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
                literal(kind.value),
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
