"""Stories in the database as ingestion would leave them, for the conversation tests.

``insert_seed_brief`` stores the five stories of seeds/world-brief_2025-02-12.txt,
cut by hand from the seed file with the topics a reader would give them.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Brief, Story, StoryKeyword, StoryTopic
from storage.types import utcnow

SEED_BRIEF = Path(__file__).resolve().parents[2] / "seeds" / "world-brief_2025-02-12.txt"
WORLD_BRIEF_URL = "https://foreignpolicy.com/category/world-brief/"

# (title, seed file lines (1-based, inclusive), lead-in to drop, {topic: matched terms})
SEED_STORIES = [
    ("Is Europe on Its Own?", (11, 16), "",
     {"ukraine": ["Ukraine", "Kyiv", "Zelensky"], "europe": ["Europe", "NATO", "Brussels"]}),
    ("Renewing war", (22, 25), "Renewing war. ",
     {"gaza": ["Gaza", "Hamas", "hostage"], "middle-east": ["Israel", "Netanyahu", "Egypt"]}),
    ("Modi comes to Washington", (26, 28), "Modi comes to Washington. ",
     {"trade": ["trade war", "tariff", "trade deficit"], "asia": ["India", "New Delhi", "Modi"]}),
    ("Upset over new president", (29, 30), "Upset over new president. ",
     {"europe": ["Greek", "Greece"]}),
    ("Odds and Ends", (32, 32), "",
     {"trade": ["tariff"], "americas": ["Canada", "Canadian", "Ontario"]}),
]  # fmt: skip

_keys = itertools.count(1)


def seed_story_texts() -> list[tuple[str, str]]:
    """(title, text) of the five seed stories, paragraphs separated by newlines."""
    lines = SEED_BRIEF.read_text(encoding="utf-8").splitlines()
    stories = []
    for title, (first, last), lead_in, _ in SEED_STORIES:
        paragraphs = lines[first - 1 : last]
        paragraphs[0] = paragraphs[0].removeprefix(lead_in)
        stories.append((title, "\n".join(paragraphs)))
    return stories


async def insert_brief(
    session: AsyncSession,
    stories: list[tuple[str, str, dict[str, list[str]]]],
    *,
    title: str = "A brief",
    url: str | None = None,
    published_at: datetime | None = None,
    keywords: dict[int, dict[str, list[str]]] | None = None,
) -> list[Story]:
    """Store a brief and its stories with topic tags (and keyword hits, by story index)."""
    brief = Brief(
        key=f"test-brief-{next(_keys)}",
        url=url,
        title=title,
        published_at=published_at,
        ingested_at=utcnow(),
    )
    session.add(brief)
    await session.flush()
    stored = []
    for position, (story_title, text, topics) in enumerate(stories, 1):
        story = Story(
            brief_id=brief.id,
            position=position,
            title=story_title,
            text=text,
            url=url,
            content_key=hashlib.sha256(f"{brief.key}{position}{story_title}".encode()).hexdigest(),
            published_at=published_at,
            ingested_at=utcnow(),
        )
        session.add(story)
        await session.flush()
        for slug, terms in topics.items():
            session.add(StoryTopic(story_id=story.id, topic_slug=slug, terms=terms))
        for keyword, terms in (keywords or {}).get(position - 1, {}).items():
            session.add(StoryKeyword(story_id=story.id, keyword=keyword, terms=terms))
        stored.append(story)
    await session.flush()
    return stored


async def insert_seed_brief(session: AsyncSession) -> list[Story]:
    """The World Brief of 12 February 2025 as five tagged stories."""
    texts = seed_story_texts()
    return await insert_brief(
        session,
        [
            (title, text, topics)
            for (title, text), (*_, topics) in zip(texts, SEED_STORIES, strict=True)
        ],
        title="World Brief: Hegseth Rules Out U.S. Peacekeeping in Ukraine",
        url=WORLD_BRIEF_URL,
        published_at=datetime(2025, 2, 12, 22, 0, tzinfo=UTC),
    )
