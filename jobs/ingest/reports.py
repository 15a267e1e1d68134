"""What one ingest of a feed or source did, as data and as one line for people."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class ReportStatus(enum.StrEnum):
    OK = "ok"
    UNCHANGED = "unchanged"  # the server answered 304 Not Modified
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FeedReport:
    name: str  # the feed's URL (without secrets) or the source given
    feed_id: int | None
    status: ReportStatus
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    briefs: int = 0
    articles: int = 0  # article pages fetched for summary-only items
    error: str | None = None
    retry_at: datetime | None = None  # when a failing feed is tried again
    note: str | None = None  # what was left out of a run that worked (a mailbox's skips)

    def describe(self) -> str:
        """One line: what was stored and skipped, or what went wrong."""
        if self.status is ReportStatus.FAILED:
            retry = f" (next try after {self.retry_at:%Y-%m-%d %H:%M} UTC)" if self.retry_at else ""
            return f"{self.name}: error: {self.error}{retry}"
        if self.status is ReportStatus.UNCHANGED:
            return f"{self.name}: unchanged since the last fetch (HTTP 304)"
        near = f" ({self.near_duplicates} of them near-duplicates)" if self.near_duplicates else ""
        articles = f", {self.articles} article pages fetched" if self.articles else ""
        skipped = self.duplicates + self.near_duplicates
        new = _n(self.new, "new story", "new stories")
        note = f"; {self.note}" if self.note else ""
        return f"{self.name}: {new}, {skipped} duplicates skipped{near}{articles}{note}"


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summarise(reports: Sequence[FeedReport], noun: str = "feed") -> str:
    """One line for a whole run: feeds (or sources), new stories, duplicates, failures."""
    failed = sum(r.status is ReportStatus.FAILED for r in reports)
    new = sum(r.new for r in reports)
    skipped = sum(r.duplicates + r.near_duplicates for r in reports)
    stories = _n(new, "new story", "new stories")
    text = f"{_n(len(reports), noun, noun + 's')}: {stories}, {skipped} duplicates skipped"
    return text + (f", {failed} failed" if failed else "")
