"""Delivery wiring: the scheduler and the outbox sender as the Application's background work.

``DeliveryBackground`` is what ``build_application(..., background=...)`` takes:
after the bot is initialised it builds an ``OutboxSender`` on the bot (whose
rate limiter paces the sends) and starts the ``jobs.schedule.Scheduler`` on
the bot's event loop; when the bot stops it stops the scheduler, letting a
sweep in progress finish. ``FeedPoll`` is the scheduler's poll job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from time import perf_counter

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ExtBot

from bot.app import rate_limiter
from bot.delivery.sender import OutboxSender
from bot.errors import NotSubscribedError
from bot.settings import Settings
from jobs import metrics
from jobs.catalogue import load_topics
from jobs.feeds.alerts import check_feed_health
from jobs.ingest.fetch import make_client
from jobs.ingest.mailbox import MailOptions
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.tag import Tagger
from jobs.schedule import Job, Scheduler, Timing
from storage import digests, outbox, subscribers
from storage.states import DigestKind
from storage.types import utcnow


def timing(settings: Settings) -> Timing:
    """The scheduler's timing from BRIEFBOT_* settings."""
    quiet_start, quiet_end = settings.quiet_hours or (time(0), time(0))  # equal: never quiet
    return Timing(
        poll_minutes=settings.poll_minutes,
        lookback=timedelta(hours=settings.digest_lookback_hours),
        max_stories=settings.digest_max_stories,
        grace=timedelta(hours=settings.digest_grace_hours),
        notify_empty=settings.notify_empty,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
    )


log = logging.getLogger(__name__)


def mail_options(settings: Settings) -> MailOptions:
    """How mailbox sources are read; a password file is read here, at start of a poll."""
    password = settings.imap_password.get_secret_value() if settings.imap_password else None
    if settings.imap_password_file is not None:
        try:
            password = settings.imap_password_file.read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            log.warning(
                "BRIEFBOT_IMAP_PASSWORD_FILE: cannot read %s: %s",
                settings.imap_password_file,
                exc.strerror or exc,
            )
    return MailOptions(
        password=password,
        insecure=settings.imap_insecure,
        move_to=settings.imap_move_to or None,
        timeout=settings.imap_timeout_seconds,
    )


class FeedPoll:
    """The scheduler's poll job: ingest the due feeds with one shared HTTP client, then
    alert the admins about feeds in trouble (once per incident)."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.client: httpx.AsyncClient | None = None

    async def __call__(self) -> None:
        if self.client is None:
            self.client = make_client(allow_private=self.settings.allow_private_feeds)
        tagger = Tagger(load_topics(self.settings.topics_file))
        began = perf_counter()
        now = utcnow()
        reports = await ingest_due_feeds(
            self.sessions, self.client, tagger, now, mail=mail_options(self.settings)
        )
        metrics.ingest_duration.observe(perf_counter() - began)
        for report in reports:
            metrics.feed_fetches.labels(result=report.status.value).inc()
        await check_feed_health(
            self.sessions,
            now,
            threshold=timedelta(hours=self.settings.feed_alert_hours),
            admin_chat_ids=self.settings.admin_ids,
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None


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
        if isinstance(self.poll, FeedPoll):
            await self.poll.close()

    @property
    def running(self) -> bool:
        """Whether the scheduler runs (for /healthz)."""
        return self.scheduler is not None


async def deliver_now(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], *, chat_id: int | None = None
) -> str:
    """Plan what is due now (or one chat's digest, whatever the time) and send it; a summary."""
    bot = ExtBot(
        settings.token or "",
        base_url=settings.bot_api_url.rstrip("/"),
        rate_limiter=rate_limiter(settings),
    )
    await bot.initialize()
    try:
        sender = OutboxSender(bot, sessions)
        if chat_id is None:
            digests, instant = await Scheduler(
                sessions, timing(settings), deliver=sender.drain
            ).sweep()
            return f"planned {digests.summary()}; instant: {instant.summary()}"
        queued = await _queue_chat_digest(settings, sessions, chat_id)
        report = await sender.drain()
        return f"chat {chat_id}: {queued} stories queued; {report.sent} message(s) sent"
    finally:
        await bot.shutdown()


async def _queue_chat_digest(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], chat_id: int
) -> int:
    """One on-demand digest of the chat's unseen matching stories, in the outbox."""
    async with sessions.begin() as session:
        subscriber = await subscribers.get_subscriber(session, chat_id)
        if subscriber is None:
            raise NotSubscribedError(f"chat {chat_id} is not subscribed")
        since = utcnow() - timedelta(hours=settings.digest_lookback_hours)
        found = await digests.create_on_demand_digest(
            session, subscriber, since=since, limit=settings.digest_max_stories, else_latest=False
        )
        if found is None:  # the message says there is nothing new
            made = await digests.create_digest(session, subscriber.id, DigestKind.ON_DEMAND, [])
        else:
            made = found.digest
        await outbox.enqueue_digest(session, subscriber.id, subscriber.chat_id, made.id)
        return len(made.items)
