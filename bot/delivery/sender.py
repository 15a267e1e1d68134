"""The outbox drain: claim planned messages, render them, send them at Telegram's pace, mark them.

``OutboxSender.drain`` claims a batch (``storage.outbox.claim_batch``), renders
each digest at send time in its reader's language (``bot.delivery.messages``, which
renders a text shared by many digests once), and hands the batch to the bot, whose
rate limiter (``bot.delivery.limiter``) paces the sends: every send here is marked as a
broadcast so replies to people go first. While a batch is sending, the next one
is claimed and rendered; it is handed over when the current batch is down to its
last quarter, so the limiter never waits for the database or the renderer. When
a batch's sends are all answered, its rows are marked in one short transaction
(every sent row in one statement). Per row:

- sent: ``sent`` with Telegram's message id (of the last part, for long digests);
- 429 after the limiter's retries, or asking for more than five seconds: back to
  ``pending`` after ``retry_after``, and no other chat waits for it;
- 403 (blocked, kicked): ``failed`` and the subscriber is marked blocked;
- a group that became a supergroup: the subscriber and its unsent messages move
  to the new chat id, and the message goes again at once;
- network errors and 5xx: retried with exponential back-off, ``failed`` with
  the reason after ``max_attempts``; any other refusal (400): ``failed``.

No session is held while sending. A crash between sending and marking leaves
rows ``sending``; they are claimed again after the lease, so at most the two
batches in flight are sent twice. ``stop`` (SIGTERM) lets the batches already
handed over finish and be marked, and puts a batch claimed ahead back to
``pending``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.delivery.limiter import retry_seconds
from bot.delivery.messages import (
    DigestTexts,
    Part,
    broadcast_part,
    event_rules,
    send_part,
    text_message,
)
from bot.delivery.wire import Wire
from bot.ui.i18n import Translator, translator
from jobs import metrics
from storage import channels as channel_store
from storage import events as event_store
from storage import outbox, subscribers
from storage import routes as route_store
from storage import topics as topic_store
from storage.models import Story
from storage.outbox import Claimed, PlannedDigest
from storage.states import OutboxKind
from storage.types import utcnow

log = logging.getLogger(__name__)

# A digest row as rendered: its digest, its reader's language, its chat's forum routes.
Planned = tuple[PlannedDigest, Translator, Mapping[str, int] | None]
RENDER_SLICE = 25  # digests rendered between two looks at the event loop


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    migrated: int = 0

    def add(self, other: DrainReport) -> None:
        for name in ("sent", "retried", "failed", "blocked", "migrated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class OutcomeKind(StrEnum):
    """What became of one row's send."""

    SENT = "sent"  # with Telegram's message id
    RETRY = "retry"  # at ``retry_at``
    FAILED = "failed"  # for good (``blocked``: the chat blocked or removed the bot)
    MOVED = "moved"  # the group became a supergroup: ``new_chat_id``


@dataclass(frozen=True)
class Outcome:
    """What happened to one row, with what its marking needs."""

    kind: OutcomeKind
    message_id: int | None = None
    retry_at: datetime | None = None
    error: str = ""
    new_chat_id: int | None = None
    blocked: bool = False


@dataclass
class Batch:
    """Claimed rows, each with its messages ready to send (None: its digest is gone)."""

    messages: list[tuple[Claimed, list[Part] | None]]


class Delivery:
    """One batch handed to the limiter: its sends under way, then its marks."""

    def __init__(self, sender: OutboxSender, batch: Batch) -> None:
        self.unfinished = len(batch.messages)
        # Hand the next batch over while this one still has this many sends to go.
        self.handover_at = max(1, len(batch.messages) // 4)
        self._near_end = asyncio.Event()
        self.task = asyncio.create_task(self._run(sender, batch))
        self.task.add_done_callback(lambda _: self._near_end.set())

    async def _run(self, sender: OutboxSender, batch: Batch) -> DrainReport:
        outcomes = await asyncio.gather(*(self._one(sender, *m) for m in batch.messages))
        rows = [row for row, _ in batch.messages]
        return await sender.mark(list(zip(rows, outcomes, strict=True)))

    async def _one(self, sender: OutboxSender, row: Claimed, parts: list[Part] | None) -> Outcome:
        try:
            return await sender.send(row, parts)
        finally:
            self.unfinished -= 1
            if self.unfinished <= self.handover_at:
                self._near_end.set()

    async def near_end(self) -> None:
        """Return once only the last few sends are left (or all are done)."""
        await self._near_end.wait()


class OutboxSender:
    """Drains the outbox through ``bot``; one instance per process."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        batch_size: int = 200,
        max_attempts: int = 5,
        backoff: timedelta = timedelta(seconds=30),
        lease: timedelta = outbox.DEFAULT_LEASE,
        clock: Callable[[], datetime] = utcnow,
        worker_id: str | None = None,
        lean: bool = True,
    ) -> None:
        self.bot = bot
        # The lean request path for a real bot; through PTB's send_message otherwise.
        self.wire = (
            Wire(bot.base_url, getattr(bot, "rate_limiter", None))
            if lean and isinstance(bot, Bot)
            else None
        )
        self.sessions = sessions
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.lease = lease
        self.clock = clock
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._lock = asyncio.Lock()
        self._database = asyncio.Lock()  # one transaction of this sender's at a time
        self._stopping = False
        self._texts: DigestTexts | None = None  # this drain's digest texts

    def stop(self) -> None:
        """Finish the batch in flight and claim no more (SIGTERM): the rest stays pending."""
        self._stopping = True

    async def drain(self) -> DrainReport:
        """Send everything due now, batch after batch, until nothing is left to claim.

        While one batch is sending, the next is claimed and rendered, and it is handed
        to the limiter when the current one is down to its last few sends, so the
        limiter always has work. At most two batches are claimed and not yet marked.
        """
        report = DrainReport()
        async with self._lock:  # one drain at a time in this process
            self._texts = None  # topics may have changed; a story deleted changes its lists
            deliveries: list[Delivery] = []
            ahead: Batch | None = None
            try:
                ahead = None if self._stopping else await self._claim()
                while ahead is not None:
                    earlier, deliveries = deliveries, [Delivery(self, ahead)]
                    ahead = None
                    await self._land(earlier, report)  # the batch before: sent and marked
                    current = deliveries[0]
                    ahead = None if self._stopping else await self._claim()
                    await current.near_end()
                    if self._stopping:
                        break
                    if ahead is None:  # nothing due: once all has landed, look again
                        await self._land(deliveries, report)
                        ahead = None if self._stopping else await self._claim()
            finally:
                if ahead is not None:  # claimed but never handed over: back to pending
                    await self._release(ahead)
                await self._land(deliveries, report)
                if self.wire is not None:
                    await self.wire.close()
        if report.sent or report.failed or report.retried:
            log.info(
                "outbox: %d sent, %d to retry, %d failed (%d blocked), %d moved to a new chat",
                report.sent,
                report.retried,
                report.failed,
                report.blocked,
                report.migrated,
            )
        return report

    async def _land(self, deliveries: list[Delivery], report: DrainReport) -> None:
        """Wait for every delivery to be sent and marked; add up their reports."""
        results = await asyncio.gather(*(d.task for d in deliveries), return_exceptions=True)
        deliveries.clear()
        errors = [r for r in results if isinstance(r, BaseException)]
        for result in results:
            if isinstance(result, DrainReport):
                report.add(result)
        if errors:
            raise errors[0]

    async def _claim(self) -> Batch | None:
        """Claim the next batch and render it; None when nothing is due.

        Few statements per batch: on SQLite each is a round trip to the driver's
        thread, which is slow while the event loop is busy sending. The topics are
        read once per drain, routes only for group chats, and story lists only for
        digest texts not rendered yet in this drain.
        """
        async with self._database, self.sessions.begin() as session:
            rows = await outbox.claim_batch(
                session, self.clock(), self.batch_size, self.worker_id, lease=self.lease
            )
            if not rows:
                return None
            if self._texts is None:
                emojis = {t.slug: t.emoji for t in await topic_store.list_topics(session)}
                self._texts = DigestTexts(emojis, _username(self.bot))
            texts = self._texts
            digests = await outbox.load_digests(
                session, [r.digest_id for r in rows if r.digest_id is not None]
            )
            groups = {r.subscriber_id for r in rows if r.chat_id < 0 and r.subscriber_id}
            routes = await route_store.routes_for(session, groups) if groups else {}
            caps = await channel_store.daily_caps(session, list(groups)) if groups else {}
            planned: dict[int, Planned] = {
                row.id: (digest, translator(digest.language), routes.get(row.subscriber_id or 0))
                for row in rows
                if row.kind is not OutboxKind.TEXT
                and row.digest_id is not None
                and (digest := digests.get(row.digest_id))
            }
            preferred = {d.id: d.preferred for d in digests.values() if d.preferred}
            texts.seen = await event_rules(session, list(digests), preferred)
            # A channel's digest (it has a daily cap) is rendered on its own: load its list.
            capped = {r.id: caps[r.subscriber_id] for r in rows
                      if r.id in planned and r.subscriber_id in caps}  # fmt: skip
            wanted = texts.missing(planned.values())
            wanted |= {i for c in capped if (i := planned[c][0].list_id) is not None}
            lists = await outbox.load_lists(session, wanted)
            texts.versions = await event_store.versions(
                session, [story.id for stories in lists.values() for story in stories]
            )
        batch = Batch([])
        try:
            for i, row in enumerate(rows):
                if i and i % RENDER_SLICE == 0:
                    await asyncio.sleep(0)  # let the sends in flight be answered meanwhile
                parts = self._render(row, planned.get(row.id), texts, lists, capped.get(row.id))
                batch.messages.append((row, parts))
        except BaseException:
            await self._release(Batch([(row, None) for row in rows]))
            raise
        return batch

    async def _release(self, batch: Batch) -> None:
        async with self._database, self.sessions.begin() as session:
            await outbox.release(session, [row.id for row, _ in batch.messages])

    @staticmethod
    def _render(
        row: Claimed,
        planned: Planned | None,
        texts: DigestTexts,
        lists: Mapping[int, list[Story]],
        cap: int | None = None,
    ) -> list[Part] | None:
        if row.kind is OutboxKind.TEXT or row.digest_id is None:
            return text_message(row.text or "")
        if planned is None:  # the digest is gone
            return None
        digest, t, routes = planned
        return texts.render(digest, t, routes, lists, cap)

    async def send(self, row: Claimed, message: list[Part] | None) -> Outcome:
        """Send one claimed row's messages (None: its digest is gone); what became of it."""
        if message is None:
            return Outcome(
                OutcomeKind.FAILED, error="the digest is gone (deleted with its subscriber?)"
            )
        try:
            sent: int | None = None
            for part in message:
                if self.wire is not None:
                    sent = await broadcast_part(self.wire, row.chat_id, part, row.message_thread_id)
                else:
                    made = await send_part(
                        self.bot, row.chat_id, part, thread_id=row.message_thread_id, broadcast=True
                    )
                    sent = made.message_id
            return Outcome(OutcomeKind.SENT, message_id=sent)
        except RetryAfter as exc:
            wait = timedelta(seconds=max(retry_seconds(exc), 1.0))
            return Outcome(OutcomeKind.RETRY, retry_at=self.clock() + wait, error=str(exc))
        except ChatMigrated as exc:
            return Outcome(OutcomeKind.MOVED, new_chat_id=exc.new_chat_id, error=str(exc))
        except Forbidden as exc:
            return Outcome(OutcomeKind.FAILED, error=exc.message, blocked=True)
        except BadRequest as exc:
            return Outcome(OutcomeKind.FAILED, error=exc.message)
        except NetworkError as exc:  # timeouts, connection errors, 5xx
            if row.attempts >= self.max_attempts:
                return Outcome(
                    OutcomeKind.FAILED, error=f"gave up after {row.attempts} attempts: {exc}"
                )
            delay = self.backoff * (2 ** (row.attempts - 1))
            return Outcome(OutcomeKind.RETRY, retry_at=self.clock() + delay, error=str(exc))

    async def mark(self, results: list[tuple[Claimed, Outcome]]) -> DrainReport:
        """Record what became of a batch's rows, in one short transaction."""
        async with self._database, self.sessions.begin() as session:
            return await self._mark(session, results)

    async def _mark(
        self, session: AsyncSession, results: list[tuple[Claimed, Outcome]]
    ) -> DrainReport:
        report = DrainReport()
        now = self.clock()
        sent = [(row, outcome) for row, outcome in results if outcome.kind is OutcomeKind.SENT]
        await outbox.mark_all_sent(session, [(r.id, o.message_id) for r, o in sent], now)
        for kind, count in Counter(row.kind.value for row, _ in sent).items():
            metrics.messages_sent.labels(kind=kind).inc(count)
        report.sent = len(sent)
        for row, outcome in results:
            if outcome.kind is OutcomeKind.RETRY:
                assert outcome.retry_at is not None
                await outbox.mark_retry(session, row.id, outcome.error, outcome.retry_at)
                report.retried += 1
            elif outcome.kind is OutcomeKind.MOVED:
                assert outcome.new_chat_id is not None
                await subscribers.migrate_chat(session, row.chat_id, outcome.new_chat_id)
                await outbox.retarget_chat(session, row.chat_id, outcome.new_chat_id)
                await outbox.mark_retry(session, row.id, outcome.error, now)
                report.migrated += 1
            elif outcome.kind is OutcomeKind.FAILED:
                if outcome.blocked:
                    await subscribers.mark_blocked(session, row.chat_id)
                    report.blocked += 1
                await outbox.mark_failed(session, row.id, outcome.error)
                reason = "blocked" if outcome.blocked else outcome.error.split(":", 1)[0][:40]
                metrics.messages_failed.labels(reason=reason).inc()
                report.failed += 1
                log.warning("outbox message %d to chat %d failed: %s", row.id, row.chat_id,
                            outcome.error)  # fmt: skip
        return report


def _username(bot: Bot) -> str:
    """The bot's @username for links to it ("": not known before the bot is initialised)."""
    try:
        return bot.username or ""
    except RuntimeError:
        return ""
