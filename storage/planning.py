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

From those, ``storage.plan_writes`` writes digests, digest items,
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
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from storage.dialect import upsert
from storage.models import (
    Brief,
    Delivery,
    DeliveryMode,
    Digest,
    DigestKind,
    JobRun,
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
SQLITE_PLANNING_CACHE_KB = 64 * 1024
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
plan_stories = Table(
    "plan_stories",
    _temporary,
    Column("story_id", Integer, primary_key=True, autoincrement=False),
    Column("rank", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
TEMPORARY_TABLES = (plan_windows, plan_due, plan_stories, plan_matches)


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
    if session.get_bind().dialect.name == "sqlite":
        # Sorting a million candidate rows: a bigger page cache for the temporary b-trees
        # (which live in memory: storage.db sets temp_store on every connection).
        await session.execute(text(f"PRAGMA cache_size=-{SQLITE_PLANNING_CACHE_KB}"))
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
    await session.execute(
        insert(plan_stories).from_select(
            ["story_id", "rank"],
            select(
                Story.id,
                func.row_number().over(
                    order_by=(Brief.ingested_at.desc(), Brief.id.desc(), Story.position, Story.id)
                ),
            )
            .join(Brief, Brief.id == Story.brief_id)
            .where((Story.ingested_at if by_story_time else Brief.ingested_at) >= since),
        )
    )
    due = plan_due.c
    by_topic = (
        select(SubscriberTopic.subscriber_id, plan_stories.c.story_id, plan_stories.c.rank)
        .join(StoryTopic, StoryTopic.story_id == plan_stories.c.story_id)
        .join(SubscriberTopic, SubscriberTopic.topic_slug == StoryTopic.topic_slug)
        .join(plan_due, due.subscriber_id == SubscriberTopic.subscriber_id)
        .where(due.action == PLAN)
    )
    by_keyword = (
        select(SubscriberKeyword.subscriber_id, plan_stories.c.story_id, plan_stories.c.rank)
        .join(StoryKeyword, StoryKeyword.story_id == plan_stories.c.story_id)
        .join(SubscriberKeyword, SubscriberKeyword.keyword == StoryKeyword.keyword)
        .join(plan_due, due.subscriber_id == SubscriberKeyword.subscriber_id)
        .where(due.action == PLAN)
    )
    pairs = union(by_topic, by_keyword).subquery("pairs")
    ranked = (
        select(
            pairs.c.subscriber_id,
            pairs.c.story_id,
            func.row_number()
            .over(partition_by=pairs.c.subscriber_id, order_by=pairs.c.rank)
            .label("rank"),
            # The same window as the rank's, so both are computed in one pass.
            func.count()
            .over(partition_by=pairs.c.subscriber_id, order_by=pairs.c.rank, rows=(None, None))
            .label("total"),
        )
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
