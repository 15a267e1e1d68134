"""Newsletters: the unit of the briefs that arrive by email.

Each newsletter (by its List-Id, else its sender) is a row of ``feeds`` of
its own, titled with its name and linked to the mailbox it came to: its
briefs point at it, so its source name, its layout template and its health
are its own, however many newsletters one mailbox folder holds. A message is
parsed first (``open_message``), its newsletter's template looked up, and
only then split with it; a newsletter's row is added with its first issue
stored (a message that cannot be read adds none), and each new issue adds
its blocks to its newsletter's template in the same transaction as its
stories. Saved ``.eml`` files are read the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.errors import MailError
from jobs.ingest.emails import Envelope, MailBrief, brief_of, open_message
from jobs.ingest.reports import FeedReport, ReportStatus
from jobs.ingest.split.layout import MIN_ISSUES
from jobs.ingest.store import Counts, PreparedBrief, prepare_brief, report, store
from jobs.ingest.tag import KeywordMatcher, Tagger
from storage import feeds as feed_store
from storage import templates
from storage.mailboxes import newsletter_feeds, newsletter_ids, newsletter_url
from storage.models import Feed
from storage.stories import known_brief_keys

Templates = dict[str, frozenset[str]]  # newsletter key -> its layout template


def origin(source: str) -> str:
    """Where a newsletter's briefs come from, for their keys: one Message-ID per newsletter."""
    return newsletter_url(source)


async def newsletter_templates(
    sessions: async_sessionmaker[AsyncSession], envelopes: Sequence[Envelope]
) -> Templates:
    """The layout template of each newsletter of these messages (empty for one never
    seen: its row is added only when an issue of it is stored)."""
    keys = {envelope.source for envelope in envelopes}
    async with sessions() as session:
        ids = await newsletter_ids(session, keys)
        return {
            key: await templates.template_of(session, ids[key], MIN_ISSUES)
            if key in ids
            else frozenset()
            for key in keys
        }


def read_issues(
    envelopes: Sequence[Envelope],
    known: Templates,
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
) -> list[tuple[MailBrief, PreparedBrief] | MailError]:
    """Split each message with its newsletter's template, then key and tag its stories
    (pure; the caller runs it in a worker thread)."""
    done: list[tuple[MailBrief, PreparedBrief] | MailError] = []
    for envelope in envelopes:
        try:
            mail = brief_of(envelope, known[envelope.source])
        except MailError as exc:
            done.append(exc)
            continue
        done.append((mail, prepare_brief(origin(mail.source), mail.brief, tagger, matcher, now)))
    return done


async def store_issues(
    session: AsyncSession,
    mailbox_id: int | None,
    issues: Sequence[tuple[MailBrief, PreparedBrief]],
    now: datetime,
    counts: Counts,
) -> dict[str, int]:
    """Store each issue under its newsletter (added, linked to ``mailbox_id``, the first
    time), teach the newsletter's template with the issues not stored before, record
    that it delivered; returns the newsletters' feed ids by key."""
    names: dict[str, str] = {}
    for mail, _ in issues:
        names.setdefault(mail.source, mail.newsletter)
    ids = await newsletter_feeds(session, mailbox_id, names, now)
    stored = await known_brief_keys(session, (p.key for _, p in issues))
    by_feed: dict[int, list[PreparedBrief]] = {}
    for mail, prepared in issues:
        if prepared.key in stored:
            counts.duplicates += len(prepared.stories)
            continue
        stored.add(prepared.key)
        by_feed.setdefault(ids[mail.source], []).append(prepared)
    for feed_id, prepared_briefs in by_feed.items():
        await store(session, feed_id, prepared_briefs, now, counts)
        layouts = [p.draft.layout for p in prepared_briefs if p.draft.layout]
        await templates.learn(session, feed_id, layouts, now)
        feed = await session.get(Feed, feed_id, populate_existing=True)
        if feed is not None:
            await feed_store.record_success(session, feed, now, etag=None, last_modified=None)
    return ids


async def ingest_message(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    name: str,
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
) -> FeedReport:
    """Store a saved message (an .eml file) under its newsletter, as a mailbox would."""
    try:
        envelope = await asyncio.to_thread(open_message, data, name=name)
    except MailError as exc:
        return FeedReport(name, None, ReportStatus.FAILED, error=_unnamed(exc, name))
    known = await newsletter_templates(sessions, [envelope])
    [issue] = await asyncio.to_thread(read_issues, [envelope], known, tagger, matcher, now)
    if isinstance(issue, MailError):
        return FeedReport(name, None, ReportStatus.FAILED, error=_unnamed(issue, name))
    counts = Counts()
    async with sessions.begin() as session:
        ids = await store_issues(session, None, [issue], now, counts)
    return report(name, ids[envelope.source], counts)


def _unnamed(exc: MailError, name: str) -> str:
    """The error without the file name it starts with: the report names it already."""
    return str(exc).removeprefix(f"{name}: ")
