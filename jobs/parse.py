"""Reading feed bytes (RSS 0.9x/1.0/2.0, Atom) into plain entries, with feedparser.

Pure: bytes in, ``ParsedFeed`` out; feedparser is only ever given bytes, so it
never fetches anything. What is not a feed (an HTML page, an empty or non-XML
document, an entity-expansion bomb) raises ``FeedError`` with one line that
says what is wrong and with which source. Ill-formed feeds that still yield
entries are accepted, as a reader would.
"""

from __future__ import annotations

import calendar
import logging
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import feedparser
import lxml.etree
import lxml.html

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


class FeedError(ValueError):
    """The bytes are not a feed we can read; the message is one line for the user."""


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
