"""Subscribers' own keywords against stories already stored.

Ingest records keyword hits for new stories; when somebody starts following
(or muting) a keyword, the stories of the last days are matched here, so
``/digest`` finds them without waiting for the next brief.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from jobs.tag import KeywordMatcher
from storage.stories import recent_stories, store_story_keywords


async def backfill_keywords(session: AsyncSession, keywords: Iterable[str], since: datetime) -> int:
    """Record which stories stored since ``since`` mention ``keywords``; returns the hits."""
    matcher = KeywordMatcher(keywords)
    if not matcher.keywords:
        return 0
    rows = [
        (story.id, keyword, terms)
        for story in await recent_stories(session, since)
        for keyword, terms in matcher.match(story.title, story.text).items()
    ]
    await store_story_keywords(session, rows)
    return len(rows)
