"""What a subscriber following some topics would get, as plain text for a terminal.

Used by ``briefbot preview`` (from the database, or offline from a file) and
by ``briefbot run`` without a token, which previews the seed brief.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ui.render import html_to_plain, render_digest, render_story
from jobs.ingest.drafts import BriefDraft
from storage.digests import matching_stories
from storage.models import Story, StoryTopic, Subscriber, SubscriberTopic


def transient_stories(briefs: Sequence[BriefDraft]) -> list[Story]:
    """Stories as the renderer takes them, built from parsed briefs (nothing is stored)."""
    return [
        Story(
            title=draft.title,
            text=draft.text,
            url=draft.url,
            position=draft.position,
            tags=[StoryTopic(topic_slug=s, terms=list(t)) for s, t in draft.topics.items()],
        )
        for brief in briefs
        for draft in brief.stories
    ]


def following(stories: Sequence[Story], slugs: Sequence[str]) -> list[Story]:
    """The stories tagged with any of ``slugs``."""
    wanted = set(slugs)
    return [s for s in stories if wanted & {t.topic_slug for t in s.tags}]


async def stories_from_database(
    sessions: async_sessionmaker[AsyncSession],
    slugs: Sequence[str],
    *,
    now: datetime,
    lookback: timedelta,
    limit: int,
) -> list[Story]:
    """The newest stored stories a subscriber following ``slugs`` would be sent."""
    reader = Subscriber(id=0, topics=[SubscriberTopic(topic_slug=s) for s in slugs], keywords=[])
    async with sessions() as session:
        return await matching_stories(
            session, reader, since=now - lookback, limit=limit, unseen_only=False
        )


def preview_text(
    stories: Sequence[Story], emojis: Mapping[str, str], *, heading: str, limit: int, full: int = 0
) -> str:
    """The digest (at most ``limit`` stories), then the first ``full`` stories in full."""
    if not stories:
        return f"{heading}\n\nNothing on these topics yet."
    shown = list(stories[:limit])
    parts = [render_digest(shown, emojis, heading=heading, more_count=len(stories) - len(shown))]
    parts += [render_story(story, emojis, n=n) for n, story in enumerate(shown[:full], 1)]
    return "\n\n────────\n\n".join(html_to_plain(p) for p in parts)
