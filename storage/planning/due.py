"""Set-based digest planning in SQL: due subscribers x matching unseen stories -> outbox.

Planning takes the subscribers a chunk at a time, in order of id
(``chunk_end``), and runs a fixed handful of statements per chunk, so neither
this process nor the database holds more than a chunk's rows at once,
whatever the audience. It works through temporary tables
(``storage.planning.tables``):

- ``plan_windows``: per time zone, the local date and the range of digest
  times that are due (or, for ``skip`` rows, that fell out of the grace window);
  computed in Python by ``jobs.plan`` because only Python knows time zones on
  both SQLite and PostgreSQL.
- ``plan_due``: the chunk's subscribers to plan for, with their local date.
- ``plan_groups`` and ``plan_members``: due subscribers who would get the same
  stories, grouped (see ``storage.planning.matching``); each group gets one story list.
- ``plan_matches``: each group's first ``max_stories`` matching, undelivered
  stories, newest briefs first, with the total count.

From those, ``storage.planning.writes`` writes story lists, digests and outbox
rows. The caller holds the planning lock (``take_planning_lock``) so that no
other planner inserts digests meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Time,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from storage.dialect import upsert
from storage.models import (
    Digest,
    JobRun,
    MutedKeyword,
    MutedTopic,
    Subscriber,
    SubscriberKeyword,
    SubscriberTopic,
    Topic,
)
from storage.planning import tables
from storage.planning.tables import MASK_BITS, MatchPath, WindowAction, plan_due, plan_windows
from storage.states import DeliveryMode, DigestKind, SubscriberState

# pg_try_advisory_xact_lock key: "brief" in ASCII, shared by every planning kind.
PLANNING_LOCK_KEY = 0x6272696566


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
    action: WindowAction = WindowAction.PLAN
    local_time: time | None = None


@dataclass(frozen=True, slots=True)
class PlanCounts:
    digests: int = 0  # digests with an outbox message
    stories: int = 0  # stories in those digests, i.e. stories now delivered
    empty: int = 0  # scheduled dates with nothing new and no message
    skipped: int = 0  # scheduled dates past the grace window, marked done

    def __add__(self, other: PlanCounts) -> PlanCounts:
        return PlanCounts(
            self.digests + other.digests,
            self.stories + other.stories,
            self.empty + other.empty,
            self.skipped + other.skipped,
        )


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
        upsert(session, JobRun.__table__, ["name"], ["last_started_at"]),
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
    await tables.create_all(session)
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
                    "local_time": w.local_time,
                }
                for w in windows
            ],
        )


def topic_bit() -> ColumnElement[int]:
    """The bit of a topic in a mask: 1 << topics.position, as a BIGINT."""
    return cast(literal(1), BigInteger).op("<<")(Topic.position)


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


def is_quiet_sql(
    local: ColumnElement[time], start: ColumnElement[time], end: ColumnElement[time]
) -> ColumnElement[bool]:
    """Whether wall-clock ``local`` is inside the quiet hours [start, end), which may span
    midnight; equal ends mean no quiet hours."""
    return case(
        (start == end, false()),
        (start < end, and_(start <= local, local < end)),
        else_=or_(local >= start, local < end),
    )


async def chunk_end(session: AsyncSession, after: int, size: int) -> int | None:
    """The largest id among the ``size`` subscribers after id ``after``; None past the last."""
    ids = select(Subscriber.id).where(Subscriber.id > after).order_by(Subscriber.id).limit(size)
    return await session.scalar(select(func.max(ids.subquery().c.id)))


async def select_due(
    session: AsyncSession,
    now: datetime,
    kind: DigestKind,
    ids: tuple[int, int],
    quiet: tuple[time, time] | None = None,
) -> None:
    """Fill ``plan_due``: receiving subscribers inside a window without that date's digest,
    of those with an id in (``ids[0]``, ``ids[1]``].

    Instant alerts leave out subscribers inside their quiet hours (their own,
    else ``quiet``) at the window's local time.
    """
    modes = (
        [DeliveryMode.INSTANT, DeliveryMode.BOTH]
        if kind is DigestKind.INSTANT
        else [DeliveryMode.DIGEST, DeliveryMode.BOTH]
    )
    w = plan_windows
    lo, hi = ids

    def in_chunk(column: Any) -> ColumnElement[bool]:
        return and_(column > lo, column <= hi)

    # What decides a subscriber's mask and path, read for the whole chunk at once (each
    # table's range of its primary key) and joined, rather than looked up per subscriber.
    masks = (
        select(SubscriberTopic.subscriber_id.label("id"), func.sum(topic_bit()).label("mask"))
        .join(Topic, Topic.slug == SubscriberTopic.topic_slug)
        .where(in_chunk(SubscriberTopic.subscriber_id), Topic.position < MASK_BITS)
        .group_by(SubscriberTopic.subscriber_id)
        .subquery("masks")
    )
    keywords = (
        select(SubscriberKeyword.subscriber_id.label("id"))
        .where(in_chunk(SubscriberKeyword.subscriber_id))
        .distinct()
        .subquery("keywords")
    )
    # Whoever muted something has their pairs enumerated, so the mutes can be applied;
    # so has whoever follows a topic past the mask's bits.
    paired = [
        select(MutedTopic.subscriber_id.label("id")).where(in_chunk(MutedTopic.subscriber_id)),
        select(MutedKeyword.subscriber_id).where(in_chunk(MutedKeyword.subscriber_id)),
    ]
    if (await session.scalar(select(func.max(Topic.position))) or 0) >= MASK_BITS:
        paired.append(
            select(SubscriberTopic.subscriber_id)
            .join(Topic, Topic.slug == SubscriberTopic.topic_slug)
            .where(in_chunk(SubscriberTopic.subscriber_id), Topic.position >= MASK_BITS)
        )
    pairs = union(*paired).subquery("pairs")
    path = case(
        (pairs.c.id.is_not(None), MatchPath.PAIRS.value),
        (keywords.c.id.is_not(None), MatchPath.KEYWORDS.value),
        else_=MatchPath.LISTS.value,
    )
    mask = func.coalesce(masks.c.mask, 0)
    query = (
        _receiving(now, modes)
        .add_columns(Subscriber.chat_id, w.c.local_date, w.c.action, mask, path)
        .join(w, w.c.timezone == Subscriber.timezone)
        .outerjoin(masks, masks.c.id == Subscriber.id)
        .outerjoin(keywords, keywords.c.id == Subscriber.id)
        .outerjoin(pairs, pairs.c.id == Subscriber.id)
        .where(
            in_chunk(Subscriber.id),
            Subscriber.digest_time >= w.c.from_time,
            Subscriber.digest_time <= w.c.to_time,
            Subscriber.created_at < w.c.created_before,
        )
    )
    if kind is DigestKind.INSTANT:
        default_start, default_end = quiet or (time(0), time(0))
        start = func.coalesce(Subscriber.quiet_start, literal(default_start, Time()))
        end = func.coalesce(Subscriber.quiet_end, literal(default_end, Time()))
        query = query.where(~is_quiet_sql(w.c.local_time, start, end))
    if kind is DigestKind.SCHEDULED:
        # The chunk's range again, on the digests: PostgreSQL otherwise hashes every
        # digest (today's earlier chunks, yesterday's) for every chunk.
        query = query.where(
            ~exists().where(
                Digest.subscriber_id == Subscriber.id,
                in_chunk(Digest.subscriber_id),
                Digest.local_date == w.c.local_date,
            )
        )
    statement = insert(plan_due).from_select(
        ["subscriber_id", "chat_id", "local_date", "action", "mask", "path"], query
    )
    if session.get_bind().dialect.name != "postgresql":
        await session.execute(statement)
        return
    # PostgreSQL cannot tell how many of the chunk fall inside the windows' ranges of
    # times (it guesses a few percent; often it is all of them), and for a few it looks
    # each one's digest up by index: 50,000 lookups of rows too new to be all-visible.
    # Every join here is over the chunk's rows, so hash them.
    await session.execute(text("SET LOCAL enable_nestloop = off"))
    await session.execute(statement)
    await session.execute(text("SET LOCAL enable_nestloop TO DEFAULT"))
