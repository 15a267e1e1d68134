"""Newsletters: the unit of the briefs that arrive by email.

Each newsletter (by its List-Id, else its sender) is a row of ``feeds`` of
its own, titled with its name and linked to the mailbox it came to: its
briefs point at it, so its source name, its layout template and its health
are its own, however many newsletters one mailbox folder holds. A message is
parsed first (``open_message``), its newsletter's template looked up, and
only then split with it; each new issue adds its blocks to its newsletter's
template in the same transaction as its stories. Saved ``.eml`` files are
read the same way.
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
from storage.mailboxes import newsletter_feeds, newsletter_url
from storage.models import Feed
from storage.stories import known_brief_keys

Templates = dict[str, tuple[int, frozenset[str]]]  # newsletter key -> (feed id, template)


def origin(source: str) -> str:
    """Where a newsletter's briefs come from, for their keys: one Message-ID per newsletter."""
    return newsletter_url(source)


async def newsletter_templates(
    sessions: async_sessionmaker[AsyncSession],
    mailbox_id: int | None,
    envelopes: Sequence[Envelope],
    now: datetime,
) -> Templates:
    """The feed id and layout template of each newsletter of these messages; a
    newsletter seen for the first time gets its row."""
    names: dict[str, str] = {}
    for envelope in envelopes:
        names.setdefault(envelope.source, envelope.newsletter)
    found: Templates = {}
    async with sessions.begin() as session:
        ids = await newsletter_feeds(session, mailbox_id, names, now)
        for source, feed_id in ids.items():
            found[source] = (feed_id, await templates.template_of(session, feed_id, MIN_ISSUES))
    return found


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
            mail = brief_of(envelope, known[envelope.source][1])
        except MailError as exc:
            done.append(exc)
            continue
        done.append((mail, prepare_brief(origin(mail.source), mail.brief, tagger, matcher, now)))
    return done


async def store_issues(
    session: AsyncSession,
    issues: Sequence[tuple[MailBrief, PreparedBrief]],
    known: Templates,
    now: datetime,
    counts: Counts,
) -> None:
    """Store each issue under its newsletter, teach the newsletter's template with the
    issues not stored before, and record that the newsletter delivered."""
    stored = await known_brief_keys(session, (p.key for _, p in issues))
    by_feed: dict[int, list[PreparedBrief]] = {}
    for mail, prepared in issues:
        if prepared.key in stored:
            counts.duplicates += len(prepared.stories)
            continue
        stored.add(prepared.key)
        by_feed.setdefault(known[mail.source][0], []).append(prepared)
    for feed_id, prepared_briefs in by_feed.items():
        await store(session, feed_id, prepared_briefs, now, counts)
        layouts = [p.draft.layout for p in prepared_briefs if p.draft.layout]
        await templates.learn(session, feed_id, layouts, now)
        feed = await session.get(Feed, feed_id, populate_existing=True)
        if feed is not None:
            await feed_store.record_success(session, feed, now, etag=None, last_modified=None)


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
    known = await newsletter_templates(sessions, None, [envelope], now)
    [issue] = await asyncio.to_thread(read_issues, [envelope], known, tagger, matcher, now)
    if isinstance(issue, MailError):
        return FeedReport(name, None, ReportStatus.FAILED, error=_unnamed(issue, name))
    counts = Counts()
    async with sessions.begin() as session:
        await store_issues(session, [issue], known, now, counts)
    return report(name, known[envelope.source][0], counts)


def _unnamed(exc: MailError, name: str) -> str:
    """The error without the file name it starts with: the report names it already."""
    return str(exc).removeprefix(f"{name}: ")
