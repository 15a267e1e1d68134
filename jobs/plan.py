"""Digest planning: who is due now, in their own time zone, and what they get.

Python does the time-zone arithmetic once per distinct zone (there are few)
and hands SQL a small table of windows; ``storage.planning`` does the rest in
a fixed number of set-based statements per chunk of ``chunk`` subscribers (by
id), all in the caller's transaction, so memory does not grow with the audience.

Scheduled digests. A subscriber is due when the instant of their local
digest time on their local date lies inside (now - grace, now] and they have
no scheduled digest for that date. Every sweep plans what is due, so a bot
that was down catches up when it returns. Daylight saving needs no special
case: on a spring-forward day a digest time inside the skipped hour is due at
the first sweep after the jump; on a fall-back day the first pass through the
repeated hour plans it and the unique (subscriber, local date) constraint
refuses a second.

Skipped dates. When a digest time fell out of the grace window (the bot was
down too long), the date gets a digest of kind ``skipped``: no items, no
outbox message, not readable by /story N; the date counts as done, nothing
is sent late at night, and the unsent stories stay undelivered for the next
digest. A due subscriber with
nothing new is marked the same way, so a story arriving later that day waits
for tomorrow instead of producing a second message (``notify_empty`` sends
"nothing new on your topics today" instead).

Instant alerts. Subscribers in ``instant`` or ``both`` mode whose local time
is outside their quiet hours (their own, else the operator's) get one digest
of kind ``instant`` per run with the matching stories they have not been
sent; during quiet hours nothing is planned for them, so the stories wait for
the first run of the morning. Python gives each zone's wall-clock time; SQL
compares it with each subscriber's hours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from storage.planning import due, matching, tables, writes
from storage.planning.due import DueWindow
from storage.planning.tables import WindowAction
from storage.states import DigestKind

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=12)
DEFAULT_INSTANT_LOOKBACK = timedelta(hours=24)
# Subscribers planned together: what one chunk's temporary rows and sorts hold.
DEFAULT_CHUNK = 50_000
DAY_END = time.max


@dataclass(frozen=True, slots=True)
class PlanReport:
    """What one planning run did."""

    digests: int = 0  # digests queued for sending
    stories: int = 0  # stories in those digests
    empty: int = 0  # due subscribers with nothing new (date marked, nothing sent)
    skipped: int = 0  # dates whose digest time fell out of the grace window
    zones: int = 0  # distinct time zones looked at
    locked: bool = False  # another planner was running: this run did nothing

    def summary(self) -> str:
        if self.locked:
            return "another planner is running; nothing planned"
        return (
            f"{self.digests} digests with {self.stories} stories queued, "
            f"{self.empty} with nothing new, {self.skipped} skipped past the grace window"
        )


def zone_of(name: str) -> ZoneInfo:
    """The zone for ``name``; an unknown name is treated as UTC (and logged)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: planning its subscribers in UTC", name)
        return ZoneInfo("UTC")


def _wall(moment: datetime) -> time:
    return moment.time().replace(tzinfo=None)


def scheduled_windows(name: str, now: datetime, grace: timedelta) -> list[DueWindow]:
    """The digest-time ranges due (or past the grace window) in zone ``name`` at ``now``."""
    zone = zone_of(name)
    local_now = now.astimezone(zone)
    today = local_now.date()
    earliest = (now - grace).astimezone(zone)
    windows: list[DueWindow] = []
    if earliest.date() == today:
        windows.append(DueWindow(name, today, _wall(earliest), _wall(local_now), now))
        if _wall(earliest) > time(0):
            too_late = _wall(earliest - timedelta(microseconds=1))
            windows.append(DueWindow(name, today, time(0), too_late, now, WindowAction.SKIP))
        return windows
    windows.append(DueWindow(name, today, time(0), _wall(local_now), now))
    # Catch up yesterday's late digests too, but not for people who subscribed since.
    midnight = datetime.combine(today, time(0), zone).astimezone(UTC)
    yesterday = earliest.date()
    if yesterday == today - timedelta(days=1):
        windows.append(DueWindow(name, yesterday, _wall(earliest), DAY_END, midnight))
    return windows


async def plan_due_digests(
    session: AsyncSession,
    now: datetime,
    *,
    lookback: timedelta,
    max_stories: int,
    grace: timedelta = DEFAULT_GRACE,
    notify_empty: bool = False,
    chunk: int = DEFAULT_CHUNK,
) -> PlanReport:
    """Queue the scheduled digests due at ``now`` into the outbox.

    The caller owns the transaction and commits; nothing is sent here.
    """
    if not await due.take_planning_lock(session, "plan_digests", now):
        log.info("another process is planning digests; skipping this run")
        return PlanReport(locked=True)
    zones = await due.distinct_timezones(session)
    windows = [w for name in zones for w in scheduled_windows(name, now, grace)]
    counts = await _plan(
        session,
        now,
        windows,
        DigestKind.SCHEDULED,
        since=now - lookback,
        max_stories=max_stories,
        notify_empty=notify_empty,
        chunk=chunk,
    )
    report = PlanReport(counts.digests, counts.stories, counts.empty, counts.skipped, len(zones))
    log.info("digest planning: %s", report.summary())
    return report


async def plan_instant(
    session: AsyncSession,
    now: datetime,
    *,
    quiet_start: time = time(22, 0),
    quiet_end: time = time(7, 0),
    lookback: timedelta = DEFAULT_INSTANT_LOOKBACK,
    max_stories: int = 10,
    chunk: int = DEFAULT_CHUNK,
) -> PlanReport:
    """Queue one instant digest per instant/both subscriber who has new matching stories.

    Stories ingested within ``lookback`` and never delivered to the subscriber
    count; subscribers inside their quiet hours (their own from /quiet, else
    ``quiet_start``-``quiet_end``) in their local time are left for a later run.
    """
    if not await due.take_planning_lock(session, "plan_instant", now):
        log.info("another process is planning; skipping this instant run")
        return PlanReport(locked=True)
    zones = await due.distinct_timezones(session)
    windows = [
        DueWindow(
            name, None, time(0), DAY_END, now, local_time=_wall(now.astimezone(zone_of(name)))
        )
        for name in zones
    ]
    counts = await _plan(
        session,
        now,
        windows,
        DigestKind.INSTANT,
        since=now - lookback,
        max_stories=max_stories,
        notify_empty=False,
        quiet=(quiet_start, quiet_end),
        chunk=chunk,
    )
    report = PlanReport(counts.digests, counts.stories, zones=len(zones))
    log.info("instant planning: %s", report.summary())
    return report


async def _plan(
    session: AsyncSession,
    now: datetime,
    windows: list[DueWindow],
    kind: DigestKind,
    *,
    since: datetime,
    max_stories: int,
    notify_empty: bool,
    quiet: tuple[time, time] | None = None,
    chunk: int,
) -> due.PlanCounts:
    if not windows:
        return due.PlanCounts()
    # No try/finally: after a failed statement the transaction is rolled back,
    # which removes the temporary tables too.
    await due.create_plan_tables(session, windows)
    await matching.rank_recent_stories(session, since, by_story_time=kind is DigestKind.INSTANT)
    await tables.analyze(session, tables.plan_stories)
    counts = due.PlanCounts()
    after = 0
    while (last := await due.chunk_end(session, after, chunk)) is not None:
        await due.select_due(session, now, kind, (after, last), quiet)
        await tables.analyze(session, tables.plan_due)
        await matching.select_matches(session, since, max_stories, (after, last))
        counts += await writes.write_digests(
            session,
            now,
            kind,
            max_stories,
            mark_empty=kind is DigestKind.SCHEDULED,
            notify_empty=notify_empty,
        )
        await tables.clear_chunk(session)
        after = last
    await tables.drop_all(session)
    return counts
