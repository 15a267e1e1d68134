"""The background jobs and their ticks, on the bot's own event loop (APScheduler 3).

Every minute a *sweep* plans what is due (scheduled digests, then instant
alerts) and hands the outbox to ``deliver``; every ``poll_minutes`` a *poll*
fetches the feeds (``poll``) and sweeps right after, so an instant alert goes
out within one poll interval of its story's ingest. The database says who is
due, so a missed or doubled tick does no harm, and a bot that was down
catches up on its first sweep.

``jobs`` cannot import ``bot``: the caller passes ``deliver`` (the outbox
drain, ``bot.delivery.sender.OutboxSender.drain``) and ``poll`` (the feed ingest) as
coroutine functions. ``start``/``stop`` take an optional argument so a
``Scheduler`` can be the Application's ``background`` directly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from time import perf_counter
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs import metrics
from jobs.plan import PlanReport, plan_due_digests, plan_instant
from storage.job_runs import record_job_run
from storage.types import utcnow

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[Any]]
STOP_TIMEOUT = 20.0  # seconds a job in progress may take to finish at shutdown


@dataclass(frozen=True)
class Timing:
    """How often and how far: the BRIEFBOT_* settings that drive the jobs."""

    poll_minutes: int = 10
    lookback: timedelta = timedelta(hours=48)
    max_stories: int = 10
    grace: timedelta = timedelta(hours=12)
    notify_empty: bool = False
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)


class Scheduler:
    """The sweep and the poll as APScheduler jobs; ``sweep()`` and ``poll()`` also run by hand."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        timing: Timing = Timing(),
        *,
        deliver: Job | None = None,
        poll: Job | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.timing = timing
        self.deliver = deliver
        self.fetch = poll
        self.clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._sweeping = asyncio.Lock()
        self._running: set[asyncio.Task[Any]] = set()

    async def start(self, _application: object = None) -> None:
        """Start the jobs on the running event loop; the first sweep runs at once."""
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        now = datetime.now(UTC)
        options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
        scheduler.add_job(self._sweep_job, "interval", minutes=1, id="sweep", next_run_time=now,
                          **options)  # fmt: skip
        if self.fetch is not None:
            scheduler.add_job(self._poll_job, "interval", minutes=self.timing.poll_minutes,
                              id="poll", next_run_time=now, **options)  # fmt: skip
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started: sweep every minute, feeds every %d minutes",
                 self.timing.poll_minutes)  # fmt: skip

    async def stop(self, _application: object = None) -> None:
        """Stop scheduling; jobs in progress get ``STOP_TIMEOUT`` to finish, then are cancelled.

        APScheduler's own shutdown cancels running jobs at once (a feed poll or a
        sweep cut off mid-query), so the scheduler is paused first and shut down
        only once they are done.
        """
        if self._scheduler is None:
            return
        self._scheduler.pause()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=STOP_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def _sweep_job(self) -> None:
        await self._tracked(self.sweep)

    async def _poll_job(self) -> None:
        await self._tracked(self.poll)

    async def _tracked(self, job: Job) -> None:
        """Run ``job`` as a task ``stop`` can wait for (APScheduler's shutdown does not)."""
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await job()
        except Exception:
            log.exception("scheduled job failed; the next run tries again")
        finally:
            self._running.discard(task)

    @property
    def job_ids(self) -> list[str]:
        """The ids of the scheduled jobs ("poll", "sweep"); empty once stopped.

        Public so that whoever starts the scheduler can see what it runs; the
        scheduler's own tests read it to check that start and stop took effect.
        """
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    async def sweep(self) -> tuple[PlanReport, PlanReport]:
        """Plan what is due now (one transaction each), then deliver the outbox."""
        async with self._sweeping:
            t = self.timing
            now = self.clock()
            began = perf_counter()
            try:
                async with self.sessions.begin() as session:
                    digests = await plan_due_digests(
                        session, now, lookback=t.lookback, max_stories=t.max_stories,
                        grace=t.grace, notify_empty=t.notify_empty,
                    )  # fmt: skip
                async with self.sessions.begin() as session:
                    instant = await plan_instant(
                        session, now, quiet_start=t.quiet_start, quiet_end=t.quiet_end,
                        max_stories=t.max_stories,
                    )  # fmt: skip
            except Exception as exc:
                await self._record(now, error=f"{type(exc).__name__}: {exc}")
                raise
            finally:
                metrics.planning_duration.observe(perf_counter() - began)
                if self.deliver is not None:
                    await self.deliver()
            await self._record(now, summary=f"{digests.summary()}; instant: {instant.summary()}")
            return digests, instant

    async def _record(
        self, started: datetime, *, summary: str = "", error: str | None = None
    ) -> None:
        """The "digest" job run that /healthz and /stats report."""
        async with self.sessions.begin() as session:
            await record_job_run(
                session, "digest", started_at=started, finished_at=self.clock(),
                summary=summary or "failed", error=error,
            )  # fmt: skip

    async def poll(self) -> None:
        """Fetch the feeds, then sweep so new stories reach instant subscribers now."""
        if self.fetch is not None:
            try:
                await self.fetch()
            except Exception:
                log.exception("feed poll failed; the next poll tries again")
        await self.sweep()
