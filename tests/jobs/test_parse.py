"""Reading feed bytes: what comes out of good feeds, and how bad input is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.errors import FeedError
from jobs.ingest.parse import parse_feed


def rss(items: str, *, head: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>' + head + '<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Test feed</title><link>https://feed.test/</link>" + items + "</channel></rss>"
    ).encode()


def test_rss_items_become_entries_with_guid_link_date_and_body():
    data = rss(
        "<item><guid>id-1</guid><title>First &amp; foremost</title>"
        "<link>https://feed.test/1</link><pubDate>Wed, 12 Feb 2025 10:00:00 GMT</pubDate>"
        "<description>Short teaser.</description>"
        "<content:encoded><![CDATA[<p>The whole story, paragraph one.</p><p>Two.</p>]]>"
        "</content:encoded></item>"
    )
    feed = parse_feed(data)
    assert (feed.title, feed.link) == ("Test feed", "https://feed.test/")
    [entry] = feed.entries
    assert (entry.guid, entry.title, entry.link) == (
        "id-1",
        "First & foremost",
        "https://feed.test/1",
    )
    assert entry.published_at == datetime(2025, 2, 12, 10, 0, tzinfo=UTC)
    assert "The whole story" in entry.html and "Short teaser" not in entry.html
    assert entry.summary_only is False


def test_an_item_with_only_a_short_summary_asks_for_the_article_page():
    feed = parse_feed(rss("<item><title>T</title><link>https://f.test/a</link>"
                          "<description>One line of teaser.</description></item>"))  # fmt: skip
    assert feed.entries[0].summary_only is True


def test_scripts_frames_handlers_and_javascript_links_are_stripped():
    body = (
        '<p onclick="steal()">Hello <a href="javascript:alert(1)">click</a>'
        '<a href="https://ok.test/">fine</a></p><script>alert(2)</script>'
        '<iframe src="https://evil.test"></iframe><object data="x.swf"></object>'
        "<style>p{}</style><img src=x onerror=alert(3)>"
    )
    feed = parse_feed(
        rss(f"<item><title>T</title><description><![CDATA[{body}]]></description></item>")
    )
    html = feed.entries[0].html.lower()
    for bad in ("<script", "<iframe", "<object", "<style", "javascript:", "onclick", "onerror"):
        assert bad not in html
    assert "https://ok.test/" in html and "hello" in html


def test_future_and_unparseable_dates_become_none_and_tomorrow_is_kept():
    soon = datetime.now(UTC) + timedelta(hours=2)
    far = datetime.now(UTC) + timedelta(days=30)
    feed = parse_feed(
        rss(
            f"<item><title>soon</title><pubDate>{format_datetime(soon)}</pubDate></item>"
            f"<item><title>far</title><pubDate>{format_datetime(far)}</pubDate></item>"
            "<item><title>junk</title><pubDate>the day after the party</pubDate></item>"
        )
    )
    soon_entry, far_entry, junk_entry = feed.entries
    assert soon_entry.published_at is not None and soon_entry.published_at.tzinfo is not None
    assert far_entry.published_at is None and junk_entry.published_at is None


def test_atom_content_is_preferred_over_summary():
    data = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><id>tag:a,1</id><title>Entry</title><link href="https://a.test/1"/>
    <updated>2024-05-01T08:00:00Z</updated><summary>sum</summary>
    <content type="html">&lt;p&gt;Full text here&lt;/p&gt;</content></entry></feed>"""
    [entry] = parse_feed(data).entries
    assert "Full text here" in entry.html and entry.guid == "tag:a,1"
    assert entry.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", "HTML page"),
        (b"just some words, not xml at all", "not an RSS or Atom feed"),
        (b"\x00\x01\x02 binary", "not an RSS or Atom feed"),
    ],
)
def test_what_is_not_a_feed_gets_one_clear_line_naming_the_source(data, words):
    with pytest.raises(FeedError) as caught:
        parse_feed(data, url="https://x.test/feed")
    message = str(caught.value)
    assert words in message and "https://x.test/feed" in message and "\n" not in message


def test_an_entity_expansion_bomb_is_refused_quickly():
    entities = "".join(
        f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};&e{i - 1};&e{i - 1};&e{i - 1};">' for i in range(1, 40)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e0 "boom">{entities}]>'.encode()
    bomb += b'<rss version="2.0"><channel><item><title>&e39;</title></item></channel></rss>'
    started = time.perf_counter()
    with pytest.raises(FeedError, match="entities"):
        parse_feed(bomb, source="bomb.xml")
    assert time.perf_counter() - started < 1


def test_an_ill_formed_feed_that_still_has_items_is_accepted():
    data = rss(
        "<item><title>Fish &amp; chips & peas</title><link>https://f.test/?a=1&b=2</link></item>"
    )
    [entry] = parse_feed(data).entries
    assert "Fish" in entry.title


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_either_parse_or_raise_feed_error(data):
    try:
        parse_feed(data, source="fuzz")
    except FeedError as exc:
        assert "\n" not in str(exc)


def test_a_small_nested_entity_bomb_is_not_expanded():
    entities = "".join(f'<!ENTITY e{i} "' + f"&e{i - 1};" * 10 + '">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e0 "boom">{entities}]>'.encode()
    bomb += b'<rss version="2.0"><channel><item><title>&e9;</title></item></channel></rss>'
    started = time.perf_counter()
    try:
        entries = parse_feed(bomb, source="bomb.xml").entries
    except FeedError:
        entries = []
    assert time.perf_counter() - started < 5
    assert all(len(e.title) < 1000 and len(e.html) < 100_000 for e in entries)
