"""From drafts to rows: brief keys, story keys and fingerprints, topic tags, keywords.

Pure. The steps that produce drafts (parsing, splitting) and tags (the tagger,
the keyword matcher) are passed in; this module only needs their shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from jobs.dedupe import content_key, simhash
from jobs.drafts import BriefDraft
from storage.stories import NewStory


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader made of some bytes: the feed's title, its briefs, and which of
    them (by draft key) carried only a summary, so their article page is worth fetching."""

    title: str | None
    briefs: list[BriefDraft]
    summary_only: frozenset[str] = frozenset()


class Reader(Protocol):
    """Bytes to briefs (parsing and splitting); ``jobs.reader.SOURCES`` is the real one."""

    def read(self, data: bytes, *, name: str, content_type: str | None, feed_only: bool) -> Reading:
        """The briefs in ``data``. Raises ValueError (one line) for bad input; with
        ``feed_only`` anything that is not a feed (an HTML page, say) is bad input."""
        ...

    def article(self, brief: BriefDraft, text: str) -> BriefDraft:
        """A summary-only brief rebuilt from its article page's main text."""
        ...


class Tagging(Protocol):
    def tag(self, title: str, text: str) -> dict[str, tuple[str, ...]]: ...


class KeywordMatching(Protocol):
    def match(self, title: str, text: str) -> dict[str, tuple[str, ...]]: ...


class PreparedBrief(NamedTuple):
    key: str
    draft: BriefDraft
    stories: list[NewStory]


def brief_key(origin: str, item_key: str) -> str:
    """A brief's identity: its item key (guid, link or title) within its origin (feed URL)."""
    return hashlib.sha256(f"{origin}\n{item_key}".encode()).hexdigest()


def as_utc(moment: datetime | None, now: datetime) -> datetime | None:
    """An aware UTC time (naive ones are taken as UTC), never later than ``now``."""
    if moment is None:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return min(moment, now)


def prepare_brief(
    origin: str,
    brief: BriefDraft,
    tagger: Tagging,
    matcher: KeywordMatching | None,
    now: datetime,
) -> PreparedBrief:
    """The brief's key and its stories, keyed, fingerprinted and tagged."""
    stories = []
    for story in brief.stories:
        if not (story.title.strip() or story.text.strip()):
            continue
        topics = story.topics or tagger.tag(story.title, story.text)
        keywords = matcher.match(story.title, story.text) if matcher else {}
        stories.append(
            NewStory(
                title=story.title,
                text=story.text,
                url=story.url or brief.url,
                position=story.position,
                published_at=as_utc(story.published_at or brief.published_at, now),
                content_key=content_key(story.title, story.text),
                simhash=simhash(story.text),
                topics={slug: list(terms) for slug, terms in topics.items()},
                keywords={kw: list(terms) for kw, terms in keywords.items()},
            )
        )
    return PreparedBrief(brief_key(origin, brief.key), brief, stories)
