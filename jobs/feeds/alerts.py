"""The feed-health step after each poll: alert the admins once per incident.

Reads every feed's fetch state and its recent briefs' story counts (two
queries), decides with ``jobs.feeds.incidents``, records new incidents on the feeds,
clears recovered ones, and queues one English HTML text per admin chat in the
outbox for each new incident; the outbox sender delivers them like any message.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.feeds.incidents import HISTORY, FeedState, Incident, Step, incident, next_step
from storage import feeds as feed_store
from storage import incidents
from storage.models import Feed
from storage.states import FeedAlertKind

log = logging.getLogger(__name__)

MAX_ERROR = 300  # characters of the last error quoted in an alert


@dataclass(slots=True)
class HealthReport:
    alerted: list[str] = field(default_factory=list)  # "feed name: note" per new incident
    cleared: int = 0

    def summary(self) -> str:
        return f"{len(self.alerted)} new alert(s), {self.cleared} cleared"


async def check_feed_health(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    threshold: timedelta,
    admin_chat_ids: Collection[int],
) -> HealthReport:
    """Alert ``admin_chat_ids`` about each new feed incident, clear recovered ones."""
    report = HealthReport()
    async with sessions.begin() as session:
        feeds = await feed_store.list_feeds(session)
        counts = await incidents.recent_brief_counts(session, now, HISTORY + 1)
        recovered = []
        for feed in feeds:
            briefs = counts.get(feed.id, [])
            state = FeedState(
                consecutive_failures=feed.consecutive_failures,
                last_success_at=feed.last_success_at,
                created_at=feed.created_at,
                story_counts=[b.stories for b in briefs],
            )
            current = incident(state, now, threshold) if feed.enabled else None
            step = next_step(feed.alert_kind, current)
            if step is Step.CLEAR:
                recovered.append(feed.id)
            elif step is Step.ALERT and current is not None:
                latest = briefs[0].title if briefs else None
                if await _alert(session, feed, current, latest, now, admin_chat_ids):
                    report.alerted.append(f"{feed_name(feed)}: {current.note}")
        await incidents.clear_alerts(session, recovered)
        report.cleared = len(recovered)
    if report.alerted or report.cleared:
        log.info("feed health: %s", report.summary())
    return report


async def _alert(
    session: AsyncSession,
    feed: Feed,
    current: Incident,
    latest_title: str | None,
    now: datetime,
    admin_chat_ids: Collection[int],
) -> bool:
    was = feed.alert_kind
    if not await incidents.mark_alerted(session, feed.id, was, current.kind, current.note, now):
        return False
    log.warning("feed %s: %s", feed.id, current.note)
    text = alert_text(feed, current, latest_title)
    await incidents.enqueue_admin_texts(session, list(admin_chat_ids), text, now)
    return True


def feed_name(feed: Feed) -> str:
    return feed.title or feed.url


def alert_text(feed: Feed, current: Incident, latest_title: str | None) -> str:
    """The admins' alert (operators' English, escaped HTML)."""
    lines = [
        f"⚠️ <b>Feed alert</b>: {escape(feed_name(feed))}",
        escape(current.note),
    ]
    if current.kind is FeedAlertKind.FAILING and feed.last_error:
        error = feed.last_error[:MAX_ERROR]
        lines.append(f"Last error ({feed.consecutive_failures} failures in a row): {escape(error)}")
    if current.kind is FeedAlertKind.LAYOUT and latest_title:
        lines.append(f"Latest brief: “{escape(latest_title)}”. The source may have changed.")
    lines.append(f"Feed {feed.id}: {escape(feed.url)}")
    lines.append("See <code>briefbot feeds list</code>; no more alerts until it recovers.")
    return "\n".join(lines)
