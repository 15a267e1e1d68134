"""Writing a plan: story lists, digests and outbox rows, from the plan tables.

The second half of ``storage.planning.due``: it reads ``plan_due``,
``plan_groups``, ``plan_members`` and ``plan_matches`` (filled there and in
``storage.planning.matching``) and writes everything with ``INSERT ... SELECT``:
one story list per group with stories, one digest per due subscriber, and one
``outbox_ranges`` row for the chunk's digests to send (a sender makes their
outbox rows as it claims them). One row is written per subscriber, whatever
the number of stories in their digest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from storage.dialect import fresh_ids, ordered_id_list
from storage.models import Digest, OutboxRange, StoryList, StoryListItem
from storage.planning.due import PlanCounts
from storage.planning.tables import (
    WindowAction,
    plan_due,
    plan_groups,
    plan_matches,
    plan_members,
)
from storage.states import DigestKind
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
    """Turn the plan tables into story lists, digests and the range of them to send.

    ``mark_empty``: a due subscriber with nothing new still gets a digest row
    of kind ``skipped`` (no stories, no outbox message) so the date counts as
    done; ``skip`` rows always get one. ``notify_empty``: a due subscriber with
    nothing new gets a real (empty) digest and its message instead.
    """
    await _write_lists(session, now)
    p, g = plan_due.c, plan_groups.c
    due = plan_due.outerjoin(plan_members, plan_members.c.subscriber_id == p.subscriber_id)
    due = due.outerjoin(plan_groups, g.group_id == plan_members.c.group_id)
    has_stories = g.list_id.is_not(None)
    skip = p.action == WindowAction.SKIP

    def number(condition: ColumnElement[bool], value: Any = 1) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    # Skip rows have no group (select_matches groups the PLAN rows only).
    # The digests to send: those with stories, and with notify_empty the empty ones too.
    to_send = and_(~skip, has_stories if not notify_empty else true())
    skipped, empty, stories, sent = (
        await session.execute(
            select(
                number(skip),
                number(and_(~skip, ~has_stories)),
                number(has_stories, case((g.total > max_stories, max_stories), else_=g.total)),
                number(to_send),
            ).select_from(due)
        )
    ).one()
    last_id = await session.scalar(select(func.coalesce(func.max(Digest.id), 0)))
    # A plain INSERT: under the planning lock nobody else writes scheduled digests, and
    # select_due left out the dates that have one; should one appear all the same, the
    # unique (subscriber, local date) constraint fails this plan and the next sweep redoes it.
    await session.execute(
        insert(Digest).from_select(
            ["subscriber_id", "kind", "local_date", "more_count", "list_id", "created_at"],
            select(
                p.subscriber_id,
                case(
                    (skip, DigestKind.SKIPPED.value),
                    (has_stories, kind.value),
                    else_=kind.value if notify_empty else DigestKind.SKIPPED.value,
                ),
                p.local_date,
                case((g.total > max_stories, g.total - max_stories), else_=0),
                g.list_id,
                literal(now, UTCDateTime()),
            )
            .select_from(due)
            .where(true() if mark_empty or notify_empty else or_(skip, has_stories))
            .order_by(p.subscriber_id),
        )
    )
    if sent:
        # The chunk's digests to send, as one range: a sender makes their outbox rows.
        await session.execute(
            insert(OutboxRange).values(
                kind=kind,
                after_id=last_id,
                last_id=select(func.max(Digest.id)).scalar_subquery(),
                waiting=sent,
                due_at=now,
                created_at=now,
            )
        )
    return PlanCounts(
        digests=sent,
        stories=stories,
        empty=empty if (mark_empty and not notify_empty) else 0,
        skipped=skipped,
    )


async def _write_lists(session: AsyncSession, now: datetime) -> None:
    """A story list for every distinct list of stories among the groups that have any.

    Groups whose stories came out the same (a subscriber's own keywords that
    found nothing outside their topics' list, say) share one list: its first
    group (the leader) gets a new list and its items, the others point at it.
    A list's stories are always in the run's rank order (``plan_stories``), so
    the same stories make the same list, and their ids in ascending order name it.
    """
    g, m = plan_groups.c, plan_matches.c
    content = ordered_id_list(session, m.story_id, m.group_id).label("content")
    contents = select(m.group_id, content, m.total).distinct().subquery("contents")
    await session.execute(
        update(plan_groups)
        .where(contents.c.group_id == g.group_id)
        .values(content=contents.c.content, total=contents.c.total)
    )
    leaders = select(func.min(g.group_id)).where(g.content.is_not(None)).group_by(g.content)
    await session.execute(
        update(plan_groups)
        .where(g.group_id.in_(leaders.scalar_subquery()))
        .values(list_id=fresh_ids(session, "story_lists", g.group_id))
    )
    await session.execute(
        insert(StoryList).from_select(
            ["id", "created_at"],
            select(g.list_id, literal(now, UTCDateTime())).where(g.list_id.is_not(None)),
        )
    )
    await session.execute(
        insert(StoryListItem).from_select(
            ["list_id", "position", "story_id"],
            select(g.list_id, m.rank, m.story_id)
            .join(plan_groups, g.group_id == m.group_id)
            .where(g.list_id.is_not(None)),
        )
    )
    leader = plan_groups.alias("leader")
    await session.execute(
        update(plan_groups)
        .where(leader.c.content == g.content, leader.c.list_id.is_not(None), g.list_id.is_(None))
        .values(list_id=leader.c.list_id)
    )
