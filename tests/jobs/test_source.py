"""Deciding what a source is and turning it into briefs and the ``parse --json`` shape."""

from __future__ import annotations

import pytest

from jobs.errors import FeedError
from jobs.ingest.parse import SourceKind, briefs_from_bytes, briefs_to_json, detect_kind

FEED_BYTES = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>
<item><guid>g-1</guid><title>With guid</title><link>https://f.test/1</link>
<description>Lawmakers passed the bill late on Tuesday.</description></item>
<item><title>Only link</title><link>https://f.test/2</link><description>Two.</description></item>
<item><title>Only title</title><description>Three.</description></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("data", "name", "content_type", "kind"),
    [
        (FEED_BYTES, "feed", None, SourceKind.FEED),
        (b"<html><body><p>x</p></body></html>", "page", None, SourceKind.HTML),
        (b"Plain words", "notes.txt", None, SourceKind.TEXT),
        (b"# Title\n\nBody", "brief.md", None, SourceKind.TEXT),
        (b"<p>fragment</p>", "x", None, SourceKind.HTML),
        (b"anything", "https://s.test/feed", "application/rss+xml; charset=utf-8", SourceKind.FEED),
        (b"anything", "x.html", None, SourceKind.HTML),
    ],
)
def test_source_kind_is_read_from_content_type_extension_and_first_bytes(
    data, name, content_type, kind
):
    assert detect_kind(data, name=name, content_type=content_type) is kind


def test_a_feed_gives_one_brief_per_item_keyed_by_guid_then_link_then_title():
    briefs = briefs_from_bytes(FEED_BYTES, name="feed.xml")
    assert [b.key for b in briefs] == ["g-1", "https://f.test/2", "Only title"]
    assert [len(b.stories) for b in briefs] == [1, 1, 1]
    assert briefs[0].stories[0].title == "With guid"
    assert briefs[0].stories[0].text == "Lawmakers passed the bill late on Tuesday."


def test_json_is_one_object_for_one_brief_and_a_list_for_several():
    one = briefs_to_json(
        briefs_from_bytes(b"Title\n\nJust one paragraph of text here.", name="a.txt")
    )
    assert isinstance(one, dict) and set(one) == {"title", "stories", "whole", "dropped"}
    assert set(one["stories"][0]) == {"title", "text", "topics", "url"}
    several = briefs_to_json(briefs_from_bytes(FEED_BYTES, name="feed.xml"))
    assert isinstance(several, list) and len(several) == 3


def test_latin1_text_is_decoded_without_losing_characters():
    data = "Zürich\n\nDie Stadt hat gewählt, sagte der Bürgermeister.".encode("latin-1")
    [brief] = briefs_from_bytes(data, name="z.txt")
    assert "Bürgermeister" in brief.stories[0].text


def test_an_empty_file_and_a_broken_feed_give_one_line_errors():
    with pytest.raises(FeedError, match="empty"):
        briefs_from_bytes(b"", name="empty.txt")
    with pytest.raises(FeedError, match=r"broken\.xml"):
        briefs_from_bytes(b"<?xml version='1.0'?><nothing", name="broken.xml")
