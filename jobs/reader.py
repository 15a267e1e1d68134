"""The real reader for the ingester: ``jobs.parse`` and ``jobs.source`` behind ``Reader``."""

from __future__ import annotations

from html import escape

from jobs.drafts import BriefDraft
from jobs.parse import parse_feed
from jobs.prepare import Reading
from jobs.source import FEED, brief_from_entry, briefs_from_bytes, detect_kind
from jobs.split import split_item_html


class SourceReader:
    """Feeds give one brief per item; pages and files one brief split into stories."""

    def read(self, data: bytes, *, name: str, content_type: str | None, feed_only: bool) -> Reading:
        """Raises ``FeedError`` (a ValueError) for what cannot be read, and with
        ``feed_only`` for anything that is not a feed, such as an HTML page."""
        if not feed_only and detect_kind(data, name=name, content_type=content_type) != FEED:
            return Reading(None, briefs_from_bytes(data, name=name, content_type=content_type))
        url = name if name.startswith(("http://", "https://")) else None
        feed = parse_feed(data, url=url, content_type=content_type)
        briefs = [brief_from_entry(entry) for entry in feed.entries]
        summary_only = frozenset(
            brief.key
            for brief, entry in zip(briefs, feed.entries, strict=True)
            if entry.summary_only
        )
        return Reading(feed.title, briefs, summary_only)

    def article(self, brief: BriefDraft, text: str) -> BriefDraft:
        """The item read again from its article's text: one story unless it is a newsletter."""
        html = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
        return split_item_html(
            html, title=brief.title, url=brief.url, published_at=brief.published_at, key=brief.key
        )


SOURCES = SourceReader()
