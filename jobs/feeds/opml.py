"""OPML 2.0, the format feed readers exchange subscription lists in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from jobs.catalogue import FeedDefinition
from jobs.errors import OpmlError

MAX_OPML_BYTES = 4 * 1024 * 1024
MAX_OUTLINES = 10_000


def too_large(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused before it is read, or None."""
    if size > MAX_OPML_BYTES:
        return (
            f"the file is {size:,} bytes; OPML files over {MAX_OPML_BYTES:,} bytes are refused "
            "(split it into smaller files)"
        )
    return None


def read_opml(data: bytes) -> list[FeedDefinition]:
    """Every outline with an ``xmlUrl`` (nested categories included), in document order.

    Files that declare entities are refused and nothing is fetched, so a
    hostile file cannot blow up memory or reach the network; so are files
    over ``MAX_OPML_BYTES`` and files with more than ``MAX_OUTLINES`` outlines.
    """
    if reason := too_large(len(data)):
        raise OpmlError(reason)
    if b"<!ENTITY" in data[:65536]:
        raise OpmlError("entity declarations are not allowed in OPML")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not well-formed XML: {exc}") from None
    if root is None or etree.QName(root).localname != "opml":
        raise OpmlError("not an OPML file: the root element is not <opml>")
    feeds: list[FeedDefinition] = []
    seen: set[str] = set()
    for count, outline in enumerate(root.iter("{*}outline", "outline"), 1):
        if count > MAX_OUTLINES:
            raise OpmlError(
                f"more than {MAX_OUTLINES:,} outlines; split the file into smaller ones"
            )
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        title = (outline.get("title") or outline.get("text") or "").strip() or None
        feeds.append(FeedDefinition(url=url, title=title))
    return feeds


def write_opml(
    feeds: Iterable[tuple[str, str | None]],
    *,
    title: str = "briefbot feeds",
    now: datetime | None = None,
) -> bytes:
    """An OPML 2.0 document listing ``(url, title)`` pairs as RSS outlines."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC))
    body = etree.SubElement(root, "body")
    for url, name in feeds:
        label = name or url
        etree.SubElement(body, "outline", type="rss", text=label, title=label, xmlUrl=url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
