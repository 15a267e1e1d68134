"""OPML: reading what other feed readers export, and writing what they import."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.errors import OpmlError
from jobs.feeds.opml import read_opml, write_opml

# Shaped like the exports of common readers: categories nest outlines, some
# outlines carry only text=, some use an upper-case xmlUrl twin, one is a duplicate.
READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline type="rss" text="World Brief" title="World Brief"
               xmlUrl="https://foreignpolicy.com/category/world-brief/feed/"
               htmlUrl="https://foreignpolicy.com/"/>
      <outline type="rss" text="BBC World" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    </outline>
    <outline text="Tech">
      <outline type="rss" text="Dup" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
      <outline type="rss" text="Not a feed" xmlUrl="javascript:alert(1)"/>
    </outline>
  </body>
</opml>"""


def test_nested_outlines_are_read_once_each_with_their_titles() -> None:
    feeds = read_opml(READER_EXPORT)

    assert [(f.url, f.title) for f in feeds] == [
        ("https://foreignpolicy.com/category/world-brief/feed/", "World Brief"),
        ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC World"),
    ]


def test_what_we_write_reads_back_the_same() -> None:
    pairs = [("https://example.org/a.xml", "A & B <news>"), ("https://example.org/b.xml", None)]

    document = write_opml(pairs, now=datetime(2026, 11, 29, tzinfo=UTC))
    feeds = read_opml(document)

    assert [(f.url, f.title) for f in feeds] == [
        ("https://example.org/a.xml", "A & B <news>"),
        ("https://example.org/b.xml", "https://example.org/b.xml"),
    ]
    assert b'<opml version="2.0">' in document
    assert b"<dateCreated>Sun, 29 Nov 2026 00:00:00 +0000</dateCreated>" in document


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"<rss><channel/></rss>", "root element is not <opml>"),
        (b"not xml at all", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><opml><body>'
            b'<outline text="&b;" xmlUrl="https://example.org/x.xml"/></body></opml>',
            "entity declarations are not allowed",
        ),
    ],
)
def test_bad_files_give_a_clear_error_and_entity_bombs_are_refused(data: bytes, says: str) -> None:
    with pytest.raises(OpmlError, match=says):
        read_opml(data)


def test_a_file_with_too_many_outlines_is_refused() -> None:
    outlines = '<outline text="x" xmlUrl="https://example.org/f.xml"/>' * 10_001

    with pytest.raises(OpmlError, match="more than 10,000 outlines"):
        read_opml(f'<opml version="2.0"><body>{outlines}</body></opml>'.encode())


def test_a_file_over_the_size_cap_is_refused_unparsed() -> None:
    with pytest.raises(OpmlError, match="OPML files over 4,194,304 bytes are refused"):
        read_opml(b"<opml>" + b" " * (4 * 1024 * 1024) + b"</opml>")


outline_attribute = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=400),
    st.lists(st.tuples(outline_attribute, outline_attribute), max_size=8).map(
        lambda pairs: (
            '<opml version="2.0"><body>'
            + "".join(f"<outline text={quoteattr(t)} xmlUrl={quoteattr(u)}/>" for t, u in pairs)
            + "</body></opml>"
        ).encode()
    ),
    st.integers(1, 3000).map(lambda depth: b"<opml><body>" + b"<outline>" * depth + b"</body>"),
))  # fmt: skip
def test_any_file_gives_feeds_or_one_opml_error(data: bytes) -> None:
    try:
        feeds = read_opml(data)
    except OpmlError as exc:
        assert str(exc)
        return
    assert all(f.url.startswith(("http://", "https://")) for f in feeds)
