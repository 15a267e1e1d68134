"""The data that flows from parsing to storage: briefs and stories before they are stored.

Parsing, splitting and tagging produce these; ``storage`` never sees them
(``jobs.ingest.run`` turns them into rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoryDraft:
    """One story of a brief.

    ``text`` is plain text, paragraphs separated by one blank line.
    ``topics`` maps a topic slug to the terms that earned the tag.
    """

    position: int
    title: str
    text: str
    url: str | None = None
    published_at: datetime | None = None
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A block of a brief that became no story's text, and why.

    ``reason`` is one of ``footer``, ``caption``, ``boilerplate``, ``promo``,
    ``repeat``, ``navigation`` (link bars), ``sponsor`` (an item marked as paid),
    ``table`` (a row of a market table), ``embed`` (a video's title card), ``intro``
    (what a heading says before its numbered sections), ``card`` (a teaser card
    after the story it names, whose title it gives),
    ``section`` (a section such as "Most Read" or an ad), ``label`` (a section label
    over the stories it holds) and ``preamble`` (what
    comes before the first story) and ``template`` (a block that recurs in the
    feed's issues).
    """

    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class BriefDraft:
    """A newsletter issue or feed item, split into its stories.

    ``key`` identifies the item across fetches: the feed's guid, else its link,
    else its title (hashed with the feed URL by the ingester). ``dropped``
    lists what the splitter left out; ``whole`` says the brief could not be
    split well (one story, or most of its text dropped) and is kept as one story.
    """

    key: str
    title: str
    url: str | None = None
    summary: str | None = None
    published_at: datetime | None = None
    stories: tuple[StoryDraft, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    whole: bool = False
    layout: frozenset[str] = frozenset()  # keys of its blocks, to learn the feed's template
