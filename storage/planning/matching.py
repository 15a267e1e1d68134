"""Which stories each due subscriber gets: groups and ``plan_matches`` from ``plan_due``.

Enumerating every (subscriber, matching story) pair costs subscribers x
stories-per-topic rows, millions for a large audience, and so would writing
them. But what a subscriber who follows only topics gets depends on two
things: their *topic mask* (the followed topics as bits) and what they were
already sent, which is the story lists of their recent digests (their
*history*). Subscribers with the same mask and history get the same stories,
so they form one group, planned once and given one shared story list:

- ``plan_lists``: per mask, its matching stories ranked, computed once;
- a group takes its mask's list minus what its member was sent, the first
  ``max_stories`` of it, and the total for "and N more";
- a subscriber with own keywords is a group of one: the head of their list
  plus their keyword stories;
- one who muted a topic or keyword, or follows a topic past bit 61, is a group
  of one with the pairs enumerated, without the muted stories.

History looks back ``HISTORY_MARGIN`` before the candidate stories' window: a
story can only be in a digest made after it arrived, and the margin covers
clocks that disagree between processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from storage.dialect import ordered_id_list
from storage.models import (
    Brief,
    Digest,
    Story,
    StoryKeyword,
    StoryListItem,
    StoryTopic,
    SubscriberKeyword,
    SubscriberTopic,
    Topic,
)
from storage.mutes import muted_story
from storage.planning import tables
from storage.planning.due import topic_bit
from storage.planning.tables import (
    MASK_BITS,
    MatchPath,
    WindowAction,
    plan_delivered,
    plan_due,
    plan_groups,
    plan_history,
    plan_lists,
    plan_matches,
    plan_members,
    plan_recent,
    plan_stories,
)
from storage.states import DELIVERING_KINDS

COLUMNS = ["group_id", "rank", "story_id", "total"]
HISTORY_MARGIN = timedelta(days=1)


async def select_matches(
    session: AsyncSession, since: datetime, max_stories: int, ids: tuple[int, int]
) -> None:
    """Group the chunk's due subscribers and fill ``plan_matches`` with each group's stories.

    A story matches a subscriber through a followed topic (story_topics) or
    one of their keywords (story_keywords); stories already delivered to the
    subscriber are left out. Newest briefs first, then the brief's own order.
    The candidates are ``plan_stories``, ranked once per run (``rank_recent_stories``).
    ``ids`` is the chunk's range of subscriber ids (as for ``select_due``).
    """
    await _read_recent(session, since - HISTORY_MARGIN, ids)
    await tables.analyze(session, plan_recent)
    await _read_histories(session)
    await _form_groups(session)
    await tables.analyze(session, plan_members, plan_groups)
    await _collect_delivered(session)
    await tables.analyze(session, plan_delivered)
    await _rank_lists(session)
    await _take_from_lists(session, max_stories)
    if await _any_group(session, MatchPath.KEYWORDS):
        await _take_from_lists_and_keywords(session, max_stories)
    if await _any_group(session, MatchPath.PAIRS):
        await _match_pairs(session, max_stories)
    await tables.analyze(session, plan_matches)


async def rank_recent_stories(
    session: AsyncSession, since: datetime, *, by_story_time: bool
) -> None:
    """plan_stories: the stories since ``since``, newest briefs first, with their topic masks."""
    mask = func.coalesce(
        select(func.sum(topic_bit()))
        .select_from(StoryTopic)
        .join(Topic, Topic.slug == StoryTopic.topic_slug)
        .where(StoryTopic.story_id == Story.id, Topic.position < MASK_BITS)
        .scalar_subquery(),
        0,
    )
    order = (Brief.ingested_at.desc(), Brief.id.desc(), Story.position, Story.id)
    await session.execute(
        insert(plan_stories).from_select(
            ["story_id", "rank", "mask"],
            select(Story.id, func.row_number().over(order_by=order), mask)
            .join(Brief, Brief.id == Story.brief_id)
            .where((Story.ingested_at if by_story_time else Brief.ingested_at) >= since),
        )
    )


def _due(*paths: int) -> list[ColumnElement[bool]]:
    return [plan_due.c.action == WindowAction.PLAN, plan_due.c.path.in_(paths)]


async def _any_group(session: AsyncSession, path: int) -> bool:
    """Whether some group takes ``path`` (planners may start from the stories otherwise)."""
    found = await session.scalar(
        select(plan_groups.c.group_id).where(plan_groups.c.path == path).limit(1)
    )
    return found is not None


def _recent_lists(
    subscriber_id: Any, recent: datetime, ids: tuple[int, int]
) -> list[ColumnElement[bool]]:
    """Conditions on ``Digest``: the subscriber's delivering digests since ``recent``.

    ``ids``, the chunk's id range, is redundant with the join; it lets
    PostgreSQL read only the chunk's digests through the (subscriber_id,
    created_at) index: without it, once yesterday's digests were all recent,
    every chunk read all of them.
    """
    return [
        Digest.subscriber_id == subscriber_id,
        Digest.subscriber_id > ids[0],
        Digest.subscriber_id <= ids[1],
        Digest.kind.in_(DELIVERING_KINDS),
        Digest.list_id.is_not(None),
        Digest.created_at >= recent,
    ]


async def _read_recent(session: AsyncSession, recent: datetime, ids: tuple[int, int]) -> None:
    """plan_recent: the story lists of each due subscriber's delivering digests since
    ``recent``, read once for the histories and the deliveries both."""
    p = plan_due.c
    await session.execute(
        insert(plan_recent).from_select(
            ["subscriber_id", "list_id"],
            select(p.subscriber_id, Digest.list_id)
            .distinct()
            .join(Digest, and_(*_recent_lists(p.subscriber_id, recent, ids)))
            .where(p.action == WindowAction.PLAN),
        )
    )


async def _read_histories(session: AsyncSession) -> None:
    """plan_history: the recent story lists of each due LISTS subscriber who has any."""
    p, r = plan_due.c, plan_recent.c
    lists = ordered_id_list(session, r.list_id, r.subscriber_id)
    await session.execute(
        insert(plan_history).from_select(
            ["subscriber_id", "history"],
            select(r.subscriber_id, lists)
            .distinct()
            .join(plan_due, p.subscriber_id == r.subscriber_id)
            .where(*_due(MatchPath.LISTS)),
        )
    )


async def _form_groups(session: AsyncSession) -> None:
    """plan_members and plan_groups: one group per (mask, history), one per other subscriber."""
    p, h, m = plan_due.c, plan_history.c, plan_members.c
    history = func.coalesce(h.history, "")
    alone = case((p.path == MatchPath.LISTS, 0), else_=p.subscriber_id)
    await session.execute(
        insert(plan_members).from_select(
            ["subscriber_id", "group_id", "mask", "history", "path"],
            select(
                p.subscriber_id,
                func.dense_rank().over(order_by=(p.mask, history, alone)),
                p.mask,
                history,
                p.path,
            )
            .select_from(plan_due.outerjoin(plan_history, h.subscriber_id == p.subscriber_id))
            .where(p.action == WindowAction.PLAN),
        )
    )
    path = func.min(m.path)
    await session.execute(
        insert(plan_groups).from_select(
            ["group_id", "mask", "history", "path", "subscriber_id", "member"],
            select(
                m.group_id,
                func.min(m.mask),
                func.min(m.history),
                path,
                case((path == MatchPath.LISTS, None), else_=func.min(m.subscriber_id)),
                func.min(m.subscriber_id),
            ).group_by(m.group_id),
        )
    )


async def _collect_delivered(session: AsyncSession) -> None:
    """plan_delivered: the candidate stories each group's member was already sent.

    From ``plan_recent`` (analysed, unlike a guess at the chunk's share of the
    digests), so PostgreSQL looks up each list's items by list instead of
    reading every story list item ever written.
    """
    g, r = plan_groups.c, plan_recent.c
    await session.execute(
        insert(plan_delivered).from_select(
            ["member", "story_id"],
            select(g.member, StoryListItem.story_id)
            .distinct()
            .join(plan_recent, r.subscriber_id == g.member)
            .join(StoryListItem, StoryListItem.list_id == r.list_id)
            .join(plan_stories, plan_stories.c.story_id == StoryListItem.story_id),
        )
    )


def _undelivered(member: Any, story_id: Any) -> ColumnElement[bool]:
    d = plan_delivered.c
    return ~exists().where(d.member == member, d.story_id == story_id)


async def _rank_lists(session: AsyncSession) -> None:
    masks = (
        select(plan_groups.c.mask)
        .where(plan_groups.c.path.in_([MatchPath.LISTS, MatchPath.KEYWORDS]))
        .distinct()
        .subquery("masks")
    )
    s = plan_stories.c
    await session.execute(
        insert(plan_lists).from_select(
            ["mask", "rank", "story_id", "story_rank", "total"],
            select(
                masks.c.mask,
                func.row_number().over(partition_by=masks.c.mask, order_by=s.rank),
                s.story_id,
                s.rank,
                func.count().over(partition_by=masks.c.mask, order_by=s.rank, rows=(None, None)),
            ).join(plan_stories, s.mask.op("&")(masks.c.mask) != 0),
        )
    )


async def _take_from_lists(session: AsyncSession, max_stories: int) -> None:
    """Topic-only groups: their mask's list minus what the member was sent."""
    g, li = plan_groups.c, plan_lists.c
    ranked = (
        select(
            g.group_id,
            func.row_number().over(partition_by=g.group_id, order_by=li.rank).label("rank"),
            li.story_id,
            # The same window as the rank's, so both are computed in one pass.
            func.count()
            .over(partition_by=g.group_id, order_by=li.rank, rows=(None, None))
            .label("total"),
        )
        .join(plan_lists, li.mask == g.mask)
        .where(g.path == MatchPath.LISTS, _undelivered(g.member, li.story_id))
        .subquery("ranked")
    )
    await session.execute(
        insert(plan_matches).from_select(
            COLUMNS, select(ranked).where(ranked.c.rank <= max_stories)
        )
    )


async def _count_list_delivered(session: AsyncSession) -> None:
    """plan_groups.delivered for keyword groups: how many of their list they already got."""
    g, d, s = plan_groups.c, plan_delivered.c, plan_stories.c
    counts = (
        select(g.group_id, func.count().label("n"))
        .join(plan_delivered, d.member == g.member)
        .join(plan_stories, s.story_id == d.story_id)
        .where(g.path == MatchPath.KEYWORDS, s.mask.op("&")(g.mask) != 0)
        .group_by(g.group_id)
        .subquery("counts")
    )
    await session.execute(
        update(plan_groups).where(g.group_id == counts.c.group_id).values(delivered=counts.c.n)
    )


async def _take_from_lists_and_keywords(session: AsyncSession, max_stories: int) -> None:
    """Subscribers with keywords: the head of their list plus keyword stories outside it."""
    await _count_list_delivered(session)
    g, li, s = plan_groups.c, plan_lists.c, plan_stories.c
    head = (
        select(g.group_id, g.member, li.story_id, li.story_rank, literal(1), li.total, g.delivered)
        .join(plan_lists, and_(li.mask == g.mask, li.rank <= max_stories + g.delivered))
        .where(g.path == MatchPath.KEYWORDS)
    )
    extra = (
        select(g.group_id, g.member, s.story_id, s.rank, literal(0), literal(0), g.delivered)
        .join(SubscriberKeyword, SubscriberKeyword.subscriber_id == g.subscriber_id)
        .join(StoryKeyword, StoryKeyword.keyword == SubscriberKeyword.keyword)
        .join(plan_stories, s.story_id == StoryKeyword.story_id)
        .where(g.path == MatchPath.KEYWORDS, s.mask.op("&")(g.mask) == 0)
        .distinct()  # a story with two of the subscriber's keywords
    )
    # Disjoint: the head is in the mask's list, the extras are not.
    both = union_all(head, extra).subquery("candidates")
    # group_id, member, story_id, story_rank, in_list, list_total, delivered
    c = list(both.c)

    def whole(aggregate: Any) -> Any:
        """Over all of the group's candidates, in the rank's window (one pass)."""
        return aggregate.over(partition_by=c[0], order_by=c[3], rows=(None, None))

    ranked = (
        select(
            c[0].label("group_id"),
            func.row_number().over(partition_by=c[0], order_by=c[3]).label("rank"),
            c[2].label("story_id"),
            (whole(func.max(c[5])) - c[6] + whole(func.sum(1 - c[4]))).label("total"),
        )
        .where(_undelivered(c[1], c[2]))
        .subquery("ranked")
    )
    await session.execute(
        insert(plan_matches).from_select(
            COLUMNS, select(ranked).where(ranked.c.rank <= max_stories)
        )
    )


async def _match_pairs(session: AsyncSession, max_stories: int) -> None:
    """Subscribers following a topic past the mask's bits: every pair, deduplicated and ranked."""
    g, s = plan_groups.c, plan_stories.c
    by_topic = (
        select(g.group_id, g.subscriber_id, s.story_id, s.rank)
        .join(SubscriberTopic, SubscriberTopic.subscriber_id == g.subscriber_id)
        .join(StoryTopic, StoryTopic.topic_slug == SubscriberTopic.topic_slug)
        .join(plan_stories, s.story_id == StoryTopic.story_id)
        .where(g.path == MatchPath.PAIRS)
    )
    by_keyword = (
        select(g.group_id, g.subscriber_id, s.story_id, s.rank)
        .join(SubscriberKeyword, SubscriberKeyword.subscriber_id == g.subscriber_id)
        .join(StoryKeyword, StoryKeyword.keyword == SubscriberKeyword.keyword)
        .join(plan_stories, s.story_id == StoryKeyword.story_id)
        .where(g.path == MatchPath.PAIRS)
    )
    pairs = union(by_topic, by_keyword).subquery("pairs")
    ranked = (
        select(
            pairs.c.group_id,
            func.row_number()
            .over(partition_by=pairs.c.group_id, order_by=pairs.c.rank)
            .label("rank"),
            pairs.c.story_id,
            func.count()
            .over(partition_by=pairs.c.group_id, order_by=pairs.c.rank, rows=(None, None))
            .label("total"),
        )
        .where(
            _undelivered(pairs.c.subscriber_id, pairs.c.story_id),
            ~muted_story(pairs.c.subscriber_id, pairs.c.story_id),
        )
        .subquery("ranked")
    )
    await session.execute(
        insert(plan_matches).from_select(
            COLUMNS, select(ranked).where(ranked.c.rank <= max_stories)
        )
    )
