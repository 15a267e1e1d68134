"""Delivery wiring: the scheduler and the outbox sender as the Application's background work.

``DeliveryBackground`` is what ``build_application(..., background=...)`` takes:
after the bot is initialised it builds an ``OutboxSender`` on the bot (whose
rate limiter paces the sends) and starts the ``jobs.schedule.Scheduler`` on
the bot's event loop; when the bot stops it stops the scheduler, letting a
sweep in progress finish. ``rate_limiter`` builds the limiter for
``ApplicationBuilder().rate_limiter(...)`` from the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.ratelimit import BriefbotRateLimiter
from bot.send import OutboxSender
from bot.settings import Settings
from jobs.schedule import Job, Scheduler, Timing
from storage.types import utcnow


def timing(settings: Settings) -> Timing:
    """The scheduler's timing from BRIEFBOT_* settings."""
    return Timing(
        poll_minutes=settings.poll_minutes,
        lookback=timedelta(hours=settings.digest_lookback_hours),
        max_stories=settings.digest_max_stories,
        grace=timedelta(hours=settings.digest_grace_hours),
    )


def rate_limiter(settings: Settings) -> BriefbotRateLimiter:
    """The bot's one rate limiter, at BRIEFBOT_MAX_MESSAGES_PER_SECOND."""
    return BriefbotRateLimiter(settings.max_messages_per_second)


class DeliveryBackground:
    """Starts and stops the scheduler (sweep, poll) and the outbox sender with the bot."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        poll: Job | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sessions = sessions
        self.poll = poll
        self.scheduler: Scheduler | None = None
        self.sender: OutboxSender | None = None

    async def start(self, application: Application) -> None:
        self.sender = OutboxSender(application.bot, self.sessions, clock=self.clock)
        self.scheduler = Scheduler(
            self.sessions,
            timing(self.settings),
            deliver=self.sender.drain,
            poll=self.poll,
            clock=self.clock,
        )
        await self.scheduler.start()

    async def stop(self, application: Application) -> None:
        """Let the batch in flight finish, claim nothing more, stop the jobs."""
        if self.sender is not None:
            self.sender.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
            self.scheduler = None
