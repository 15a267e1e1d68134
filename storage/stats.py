"""Counts for the admins' /stats: subscribers, followers, feeds and their alerts, stories,
job runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.incidents import alerted_feeds
from storage.models import Digest, Feed, JobRun, Story
from storage.states import SubscriberState
from storage.subscribers import count_by_state
from storage.topics import follower_counts


@dataclass(frozen=True, slots=True)
class Stats:
    subscribers: dict[SubscriberState, int]
    followers: dict[str, int]
    feeds_total: int
    feeds_failing: int
    stories: int
    last_story_at: datetime | None
    digests: int
    jobs: list[JobRun]
    alerts: list[Feed]  # feeds with an open incident (failing, layout changed)


async def collect_stats(session: AsyncSession) -> Stats:
    """Everything /stats shows, in one read."""
    feeds_total = await session.scalar(select(func.count()).select_from(Feed)) or 0
    feeds_failing = (
        await session.scalar(
            select(func.count()).select_from(Feed).where(Feed.consecutive_failures > 0)
        )
        or 0
    )
    stories = await session.scalar(select(func.count()).select_from(Story)) or 0
    last_story_at = await session.scalar(select(func.max(Story.ingested_at)))
    digests = await session.scalar(select(func.count()).select_from(Digest)) or 0
    jobs = list(await session.scalars(select(JobRun).order_by(JobRun.name)))
    return Stats(
        subscribers=await count_by_state(session),
        followers=await follower_counts(session),
        feeds_total=feeds_total,
        feeds_failing=feeds_failing,
        stories=stories,
        last_story_at=last_story_at,
        digests=digests,
        jobs=jobs,
        alerts=await alerted_feeds(session),
    )
