"""Which stories each due subscriber gets: ``plan_matches`` from ``plan_due``.

Enumerating every (subscriber, matching story) pair costs subscribers x
stories-per-topic rows, millions for a large audience, so subscribers who
follow only topics are grouped by their *topic mask* (the followed topics as
bits): subscribers with the same mask see the same ranked list, computed once
per mask in ``plan_lists``. Then:

- a subscriber with nothing delivered from that list takes its first
  ``max_stories`` rows as they are (a plain join, no per-subscriber sorting);
- one who already got some of those stories takes the first ``max_stories +
  delivered`` rows, drops the delivered ones and renumbers;
- one with own keywords takes the head of the list plus their keyword stories;
- one who muted a topic or keyword, or follows a topic past bit 61, has the
  pairs enumerated, without the muted stories.

The total, for "and N more", is the list's length minus what was delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    exists,
    func,
    insert,
    literal,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from storage.models import (
    Brief,
    Delivery,
    Story,
    StoryKeyword,
    StoryTopic,
    SubscriberKeyword,
    SubscriberTopic,
    Topic,
)
from storage.mutes import muted_story
from storage.planning import (
    KEYWORDS,
    LISTS,
    MASK_BITS,
    PAIRS,
    PLAN,
    plan_due,
    plan_lists,
    plan_matches,
    plan_stories,
    topic_bit,
)

COLUMNS = ["subscriber_id", "rank", "story_id", "total"]


async def select_matches(
    session: AsyncSession, since: datetime, max_stories: int, *, by_story_time: bool
) -> None:
    """Fill ``plan_matches`` with each due subscriber's first stories and their total.

    A story matches a subscriber through a followed topic (story_topics) or
    one of their keywords (story_keywords); stories already delivered to the
    subscriber are left out. Newest briefs first, then the brief's own order.
    """
    await _rank_recent_stories(session, since, by_story_time=by_story_time)
    await _count_delivered(session)
    await _rank_lists(session)
    await _take_from_lists(session, max_stories)
    if await _any_due(session, KEYWORDS):
        await _take_from_lists_and_keywords(session, max_stories)
    if await _any_due(session, PAIRS):
        await _match_pairs(session, max_stories)


async def _rank_recent_stories(
    session: AsyncSession, since: datetime, *, by_story_time: bool
) -> None:
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
    return [plan_due.c.action == PLAN, plan_due.c.path.in_(paths)]


async def _any_due(session: AsyncSession, path: int) -> bool:
    """Whether some subscriber takes ``path`` (planners may start from the stories otherwise)."""
    found = await session.scalar(select(plan_due.c.subscriber_id).where(*_due(path)).limit(1))
    return found is not None


def _undelivered(subscriber_id: Any, story_id: Any) -> ColumnElement[bool]:
    return ~exists().where(Delivery.subscriber_id == subscriber_id, Delivery.story_id == story_id)


async def _count_delivered(session: AsyncSession) -> None:
    """plan_due.delivered: how many stories of the subscriber's list they already got."""
    p, s = plan_due.c, plan_stories.c
    counts = (
        select(Delivery.subscriber_id, func.count().label("n"))
        .select_from(plan_stories)
        .join(Delivery, Delivery.story_id == s.story_id)
        .join(plan_due, p.subscriber_id == Delivery.subscriber_id)
        .where(*_due(LISTS, KEYWORDS), s.mask.op("&")(p.mask) != 0)
        .group_by(Delivery.subscriber_id)
        .subquery("counts")
    )
    await session.execute(
        update(plan_due)
        .where(p.subscriber_id == counts.c.subscriber_id)
        .values(delivered=counts.c.n)
    )


async def _rank_lists(session: AsyncSession) -> None:
    masks = select(plan_due.c.mask).where(*_due(LISTS, KEYWORDS)).distinct().subquery("masks")
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
    """Topic-only subscribers: the head of their mask's list, minus what they already got."""
    p, g = plan_due.c, plan_lists.c
    await session.execute(
        insert(plan_matches).from_select(
            COLUMNS,
            select(p.subscriber_id, g.rank, g.story_id, g.total)
            .join(plan_lists, and_(g.mask == p.mask, g.rank <= max_stories))
            .where(*_due(LISTS), p.delivered == 0),
        )
    )
    renumbered = (
        select(
            p.subscriber_id,
            func.row_number().over(partition_by=p.subscriber_id, order_by=g.rank).label("rank"),
            g.story_id,
            (g.total - p.delivered).label("total"),
        )
        .join(plan_lists, and_(g.mask == p.mask, g.rank <= max_stories + p.delivered))
        .where(*_due(LISTS), p.delivered > 0, _undelivered(p.subscriber_id, g.story_id))
        .subquery("renumbered")
    )
    await session.execute(
        insert(plan_matches).from_select(
            COLUMNS, select(renumbered).where(renumbered.c.rank <= max_stories)
        )
    )


async def _take_from_lists_and_keywords(session: AsyncSession, max_stories: int) -> None:
    """Subscribers with keywords: the head of their list plus keyword stories outside it."""
    p, g, s = plan_due.c, plan_lists.c, plan_stories.c
    head = (
        select(p.subscriber_id, g.story_id, g.story_rank, literal(1), g.total, p.delivered)
        .join(plan_lists, and_(g.mask == p.mask, g.rank <= max_stories + p.delivered))
        .where(*_due(KEYWORDS))
    )
    extra = (
        select(p.subscriber_id, s.story_id, s.rank, literal(0), literal(0), p.delivered)
        .join(SubscriberKeyword, SubscriberKeyword.subscriber_id == p.subscriber_id)
        .join(StoryKeyword, StoryKeyword.keyword == SubscriberKeyword.keyword)
        .join(plan_stories, s.story_id == StoryKeyword.story_id)
        .where(*_due(KEYWORDS), s.mask.op("&")(p.mask) == 0)
    )
    both = union(head, extra).subquery("candidates")
    c = list(both.c)  # subscriber_id, story_id, story_rank, in_list, list_total, delivered

    def whole(aggregate: Any) -> Any:
        """Over all of the subscriber's candidates, in the rank's window (one pass)."""
        return aggregate.over(partition_by=c[0], order_by=c[2], rows=(None, None))

    ranked = (
        select(
            c[0].label("subscriber_id"),
            func.row_number().over(partition_by=c[0], order_by=c[2]).label("rank"),
            c[1].label("story_id"),
            (whole(func.max(c[4])) - c[5] + whole(func.sum(1 - c[3]))).label("total"),
        )
        .where(_undelivered(c[0], c[1]))
        .subquery("ranked")
    )
    await session.execute(
        insert(plan_matches).from_select(
            COLUMNS, select(ranked).where(ranked.c.rank <= max_stories)
        )
    )


async def _match_pairs(session: AsyncSession, max_stories: int) -> None:
    """Subscribers following a topic past the mask's bits: every pair, deduplicated and ranked."""
    due = plan_due.c
    by_topic = (
        select(SubscriberTopic.subscriber_id, plan_stories.c.story_id, plan_stories.c.rank)
        .select_from(plan_due)
        .join(SubscriberTopic, SubscriberTopic.subscriber_id == due.subscriber_id)
        .join(StoryTopic, StoryTopic.topic_slug == SubscriberTopic.topic_slug)
        .join(plan_stories, plan_stories.c.story_id == StoryTopic.story_id)
        .where(*_due(PAIRS))
    )
    by_keyword = (
        select(SubscriberKeyword.subscriber_id, plan_stories.c.story_id, plan_stories.c.rank)
        .select_from(plan_due)
        .join(SubscriberKeyword, SubscriberKeyword.subscriber_id == due.subscriber_id)
        .join(StoryKeyword, StoryKeyword.keyword == SubscriberKeyword.keyword)
        .join(plan_stories, plan_stories.c.story_id == StoryKeyword.story_id)
        .where(*_due(PAIRS))
    )
    pairs = union(by_topic, by_keyword).subquery("pairs")
    ranked = (
        select(
            pairs.c.subscriber_id,
            func.row_number()
            .over(partition_by=pairs.c.subscriber_id, order_by=pairs.c.rank)
            .label("rank"),
            pairs.c.story_id,
            # The same window as the rank's, so both are computed in one pass.
            func.count()
            .over(partition_by=pairs.c.subscriber_id, order_by=pairs.c.rank, rows=(None, None))
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
