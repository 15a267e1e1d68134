"""Turning a source's bytes (a feed, a web page, a newsletter file) into briefs.

``briefs_from_bytes`` decides what the bytes are (by content type, by the
name's extension, by their first bytes), then reads them: a feed gives one
brief per item, any other document one brief. ``briefs_to_json`` gives the
``briefbot parse --json`` shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from jobs.drafts import BriefDraft
from jobs.fetch import fetch, make_client
from jobs.parse import FeedEntry, FeedError, parse_feed
from jobs.split import split_html, split_item_html, split_text

FEED, HTML, TEXT = "feed", "html", "text"

_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml|<rss\b|<feed\b|<rdf:RDF\b|<channel\b)", re.I
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!DOCTYPE\s+html|<html\b|<head\b|<body\b|<div\b|<p\b|<table\b)", re.I
)
_CHARSET = re.compile(rb"""charset=["']?([\w.:-]+)""", re.I)
_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\x00<\x00?", b"<\x00?\x00")
_EXTENSIONS = {
    ".xml": FEED, ".rss": FEED, ".atom": FEED, ".rdf": FEED, ".bin": FEED,
    ".html": HTML, ".htm": HTML, ".xhtml": HTML,
    ".md": TEXT, ".markdown": TEXT, ".txt": TEXT, ".text": TEXT,
}  # fmt: skip


def detect_kind(data: bytes, *, name: str, content_type: str | None = None) -> str:
    """``feed``, ``html`` or ``text``: what the bytes look like."""
    head = data[:1024]
    path = name.split("?")[0].split("#")[0].lower()
    if head.startswith(b"\x1f\x8b") or head.startswith(_UTF16_32) or _FEED_START.match(head):
        return FEED
    if _EXTENSIONS.get("." + path.rsplit(".", 1)[-1]) == FEED:
        return FEED  # named as a feed: refuse it if it is not one
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime.endswith(("rss+xml", "atom+xml", "rdf+xml", "/xml")):
        return FEED
    if mime in {"text/html", "application/xhtml+xml"} or _HTML_START.match(head):
        return HTML
    if mime in {"text/plain", "text/markdown"}:
        return TEXT
    for extension, kind in _EXTENSIONS.items():
        if path.endswith(extension):
            return kind
    return TEXT


def decode(data: bytes, content_type: str | None = None) -> str:
    """Text from bytes: the declared charset, else UTF-8, else Windows-1252."""
    declared = _CHARSET.search((content_type or "").encode()) or _CHARSET.search(data[:4096])
    candidates = [declared.group(1).decode("ascii", "replace")] if declared else []
    for encoding in [*candidates, "utf-8-sig"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def brief_from_entry(entry: FeedEntry) -> BriefDraft:
    """One feed item as a brief: a single story, or several if it is a newsletter."""
    return split_item_html(
        entry.html,
        title=entry.title,
        url=entry.link,
        published_at=entry.published_at,
        key=entry.guid or entry.link or entry.title,
    )


def briefs_from_bytes(
    data: bytes, *, name: str, content_type: str | None = None
) -> list[BriefDraft]:
    """The briefs in a source's bytes; ``FeedError`` when a feed cannot be read."""
    url = name if name.startswith(("http://", "https://")) else None
    kind = detect_kind(data, name=name, content_type=content_type)
    if kind == FEED:
        if data[:2] == b"\x1f\x8b":
            raise FeedError(f"{name}: gzip-compressed data; decompress it first")
        feed = parse_feed(data, url=url, content_type=content_type, source=name)
        return [brief_from_entry(entry) for entry in feed.entries]
    if not data.strip():
        raise FeedError(f"{name}: empty document, nothing to parse")
    text = decode(data, content_type)
    if kind == HTML:
        return [split_html(text, url=url, key=name)]
    return [split_text(text, url=url, key=name)]


def brief_to_json(brief: BriefDraft) -> dict[str, Any]:
    return {
        "title": brief.title,
        "stories": [
            {"title": s.title, "text": s.text, "topics": list(s.topics), "url": s.url}
            for s in brief.stories
        ],
    }


def briefs_to_json(briefs: Sequence[BriefDraft]) -> object:
    """One object for a single brief, a list of objects for several (DESIGN.md's contract)."""
    if len(briefs) == 1:
        return brief_to_json(briefs[0])
    return [brief_to_json(b) for b in briefs]


class SourceError(ValueError):
    """A URL could not be fetched; the message is one line for the user."""


async def download(url: str) -> tuple[bytes, str | None]:
    """The bytes and content type at a URL, with the fetcher's limits and manners."""
    async with make_client() as client:
        result = await fetch(client, url)
    if not result.ok:
        raise SourceError(f"{url}: {result.error}")
    return result.body, result.content_type
