"""Reading feed bytes (RSS 0.9x/1.0/2.0, Atom) into plain entries, with feedparser.

Pure: bytes in, ``ParsedFeed`` out; feedparser is only ever given bytes, so it
never fetches anything. What is not a feed (an HTML page, an empty or non-XML
document, an entity-expansion bomb) raises ``FeedError`` with one line that
says what is wrong and with which source. Ill-formed feeds that still yield
entries are accepted, as a reader would.
"""

from __future__ import annotations

import calendar
import enum
import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import feedparser
import lxml.etree
import lxml.html

from jobs.errors import FeedError, SourceError
from jobs.ingest.drafts import BriefDraft
from jobs.ingest.fetch import fetch, make_client
from jobs.ingest.split.segment import split_html, split_item_html, split_text

logger = logging.getLogger(__name__)

MAX_ENTITY_DECLARATIONS = 32
SHORT_SUMMARY_CHARS = 600
FUTURE_SLACK = timedelta(days=1)

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_HTML_START = re.compile(rb"^\s*(?:<!DOCTYPE\s+html|<html\b|<head\b|<body\b)", re.I)
_DANGEROUS_TAGS = (
    *("script", "style", "iframe", "object", "embed", "applet", "frame", "frameset", "form"),
    *("input", "button", "base", "link", "meta", "noscript", "template"),
)
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data|livescript):", re.I)
_URL_ATTRS = ("href", "src", "action", "formaction", "background", "poster", "xlink:href")


@dataclass(slots=True)
class FeedEntry:
    guid: str | None
    title: str
    link: str | None
    published_at: datetime | None
    html: str
    summary_only: bool


@dataclass(slots=True)
class ParsedFeed:
    title: str | None
    link: str | None
    entries: list[FeedEntry]


def _unsafe_attribute(name: str, value: str) -> bool:
    if name.startswith("on"):
        return True
    if name == "style":
        return "expression" in value.lower() or "javascript:" in value.lower()
    return name in _URL_ATTRS and bool(_UNSAFE_URL.match(value))


def sanitize_html(html: str) -> str:
    """HTML without scripts, styles, frames, objects, ``on*`` handlers or javascript: links."""
    if not html.strip() or "<" not in html:
        return html
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return escape(html)
    for el in list(
        root.iter(*_DANGEROUS_TAGS, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    ):
        el.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name in list(el.attrib):
            if _unsafe_attribute(name.lower(), el.get(name, "")):
                del el.attrib[name]
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return inner.strip()


def _when(entry: Any, now: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        with warnings.catch_warnings():  # feedparser warns about its updated->published fallback
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed = entry.get(key)
        if parsed:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                return None
            return None if moment > now + FUTURE_SLACK else moment
    return None


def _text_length(html: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", html).split())


def _entry(entry: Any, now: datetime) -> FeedEntry:
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    summary = entry.get("summary", "") or ""
    body = max(contents, key=len) if contents else summary
    html = sanitize_html(body)
    title = sanitize_html(entry.get("title", "") or "")
    title = (
        " ".join(lxml.html.fromstring(f"<p>{title}</p>").text_content().split()) if title else ""
    )
    link = entry.get("link") or None
    if link and _UNSAFE_URL.match(link):
        link = None
    summary_only = (
        not contents
        and len(html) < SHORT_SUMMARY_CHARS * 4
        and (_text_length(html) < SHORT_SUMMARY_CHARS // 6)
    )
    return FeedEntry(
        guid=entry.get("id") or None,
        title=title or "(untitled)",
        link=link,
        published_at=_when(entry, now),
        html=html,
        summary_only=summary_only,
    )


def parse_feed(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    source: str | None = None,
) -> ParsedFeed:
    """Parse feed bytes; raise ``FeedError`` when they are not a feed.

    ``url`` is where the bytes came from (relative links resolve against it);
    ``source`` names them in error messages (default: the URL).
    """
    source = source or url or "the input"
    if not data.strip():
        raise FeedError(f"{source}: empty document, not a feed")
    if len(_ENTITY_DECL.findall(data[:65536])) > MAX_ENTITY_DECLARATIONS:
        raise FeedError(f"{source}: refused: the document declares too many XML entities")
    if _HTML_START.match(data[:2048].lstrip(b"\xef\xbb\xbf")):
        raise FeedError(f"{source}: this is an HTML page, not a feed; look for its RSS/Atom link")
    headers: dict[str, str] = {}
    if url:
        headers["content-location"] = url
    if content_type:
        headers["content-type"] = content_type
    try:
        result = feedparser.parse(data, response_headers=headers, resolve_relative_uris=True)
    except Exception as exc:  # feedparser's loose parser can raise almost anything
        raise FeedError(f"{source}: cannot be read as a feed ({type(exc).__name__})") from None
    entries = result.get("entries", [])
    if not result.get("version") and not entries:
        problem = result.get("bozo_exception")
        why = f" ({str(problem).splitlines()[0][:120]})" if problem else ""
        raise FeedError(f"{source}: not an RSS or Atom feed{why}")
    if result.get("bozo"):
        logger.info("%s: ill-formed feed, read anyway: %s", source, result.get("bozo_exception"))
    now = datetime.now(UTC)
    feed = result.get("feed", {})
    return ParsedFeed(
        title=feed.get("title") or None,
        link=feed.get("link") or None,
        entries=[_entry(e, now) for e in entries],
    )


class SourceKind(enum.StrEnum):
    """What a source's bytes look like, and so how they are read."""

    FEED = "feed"  # RSS or Atom: one brief per item
    HTML = "html"  # a web page or newsletter: one brief, split into stories
    TEXT = "text"  # plain text or Markdown: one brief, split into stories


_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml|<rss\b|<feed\b|<rdf:RDF\b|<channel\b)", re.I
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!DOCTYPE\s+html|<html\b|<head\b|<body\b|<div\b|<p\b|<table\b)", re.I
)
_CHARSET = re.compile(rb"""charset=["']?([\w.:-]+)""", re.I)
_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\x00<\x00?", b"<\x00?\x00")
_EXTENSIONS = {
    **dict.fromkeys((".xml", ".rss", ".atom", ".rdf", ".bin"), SourceKind.FEED),
    **dict.fromkeys((".html", ".htm", ".xhtml"), SourceKind.HTML),
    **dict.fromkeys((".md", ".markdown", ".txt", ".text"), SourceKind.TEXT),
}


def detect_kind(data: bytes, *, name: str, content_type: str | None = None) -> SourceKind:
    """What the bytes look like: a feed, an HTML page or plain text."""
    head = data[:1024]
    path = name.split("?")[0].split("#")[0].lower()
    if head.startswith(b"\x1f\x8b") or head.startswith(_UTF16_32) or _FEED_START.match(head):
        return SourceKind.FEED
    if _EXTENSIONS.get("." + path.rsplit(".", 1)[-1]) is SourceKind.FEED:
        return SourceKind.FEED  # named as a feed: refuse it if it is not one
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime.endswith(("rss+xml", "atom+xml", "rdf+xml", "/xml")):
        return SourceKind.FEED
    if mime in {"text/html", "application/xhtml+xml"} or _HTML_START.match(head):
        return SourceKind.HTML
    if mime in {"text/plain", "text/markdown"}:
        return SourceKind.TEXT
    for extension, kind in _EXTENSIONS.items():
        if path.endswith(extension):
            return kind
    return SourceKind.TEXT


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


def brief_from_entry(entry: FeedEntry, template: frozenset[str] = frozenset()) -> BriefDraft:
    """One feed item as a brief: a single story, or several if it is a newsletter."""
    return split_item_html(
        entry.html,
        title=entry.title,
        url=entry.link,
        published_at=entry.published_at,
        key=entry.guid or entry.link or entry.title,
        template=template,
    )


def briefs_from_bytes(
    data: bytes,
    *,
    name: str,
    content_type: str | None = None,
    template: frozenset[str] = frozenset(),
) -> list[BriefDraft]:
    """The briefs in a source's bytes; ``FeedError`` when a feed cannot be read.

    ``template`` holds the layout keys of the source's earlier issues
    (``jobs.ingest.split.layout``): blocks with those keys are not stories."""
    url = name if name.startswith(("http://", "https://")) else None
    kind = detect_kind(data, name=name, content_type=content_type)
    if kind is SourceKind.FEED:
        if data[:2] == b"\x1f\x8b":
            raise FeedError(f"{name}: gzip-compressed data; decompress it first")
        feed = parse_feed(data, url=url, content_type=content_type, source=name)
        return [brief_from_entry(entry, template) for entry in feed.entries]
    if not data.strip():
        raise FeedError(f"{name}: empty document, nothing to parse")
    text = decode(data, content_type)
    if kind is SourceKind.HTML:
        return [split_html(text, url=url, key=name, template=template)]
    return [split_text(text, url=url, key=name, template=template)]


def brief_to_json(brief: BriefDraft) -> dict[str, Any]:
    return {
        "title": brief.title,
        "stories": [
            {"title": s.title, "text": s.text, "topics": list(s.topics), "url": s.url}
            for s in brief.stories
        ],
        "whole": brief.whole,
        "dropped": [{"reason": d.reason, "text": d.text} for d in brief.dropped],
    }


def briefs_to_json(briefs: Sequence[BriefDraft]) -> object:
    """One object for a single brief, a list of objects for several (DESIGN.md's contract)."""
    if len(briefs) == 1:
        return brief_to_json(briefs[0])
    return [brief_to_json(b) for b in briefs]


async def download(url: str, *, allow_private: bool = False) -> tuple[bytes, str | None]:
    """The bytes and content type at a URL, with the fetcher's limits and manners
    (public addresses only unless ``allow_private``)."""
    async with make_client(allow_private=allow_private) as client:
        result = await fetch(client, url)
    if not result.ok:
        raise SourceError(f"{url}: {result.error}")
    return result.body, result.content_type


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader made of some bytes: the feed's title, its briefs, and which of
    them (by draft key) carried only a summary, so their article page is worth fetching."""

    title: str | None
    briefs: list[BriefDraft]
    summary_only: frozenset[str] = frozenset()


def read(
    data: bytes,
    *,
    name: str,
    content_type: str | None,
    feed_only: bool,
    template: frozenset[str] = frozenset(),
) -> Reading:
    """Feeds give one brief per item; pages and files one brief split into stories.

    Raises ``FeedError`` for what cannot be read, and with ``feed_only`` for
    anything that is not a feed, such as an HTML page."""
    if not feed_only:
        kind = detect_kind(data, name=name, content_type=content_type)
        if kind is not SourceKind.FEED:
            briefs = briefs_from_bytes(
                data, name=name, content_type=content_type, template=template
            )
            return Reading(None, briefs)
    url = name if name.startswith(("http://", "https://")) else None
    feed = parse_feed(data, url=url, content_type=content_type)
    briefs = [brief_from_entry(entry, template) for entry in feed.entries]
    summary_only = frozenset(
        brief.key for brief, entry in zip(briefs, feed.entries, strict=True) if entry.summary_only
    )
    return Reading(feed.title, briefs, summary_only)


def article(brief: BriefDraft, text: str) -> BriefDraft:
    """The item read again from its article's text: one story unless it is a newsletter."""
    html = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return split_item_html(
        html, title=brief.title, url=brief.url, published_at=brief.published_at, key=brief.key
    )
