"""Reading an email newsletter into a brief: MIME as it comes, one clear line when it cannot."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from html import escape as html_escape
from pathlib import Path

import feedparser
import pytest

from jobs.errors import MailError
from jobs.ingest.emails import MAX_MESSAGE_BYTES, read_message
from jobs.ingest.parse import briefs_from_bytes
from tests.conftest import CORPUS
from tests.mailbuild import STORIES, message, newsletter_html


def titles(data: bytes) -> list[str]:
    return [s.title for s in read_message(data).brief.stories]


def test_html_part_is_preferred_and_split_into_stories() -> None:
    mail = read_message(message().as_bytes())
    assert [s.title for s in mail.brief.stories] == [t for t, _ in STORIES]
    assert mail.brief.title == "The Daily Brief: talks in Cairo"
    assert mail.brief.published_at == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)


def test_list_id_names_the_newsletter_and_the_sender_does_without_one() -> None:
    assert read_message(message().as_bytes()).source == "daily.news.test"
    alone = message(list_id=None, sender="Semafor <Flagship@Semafor.test>")
    assert read_message(alone.as_bytes()).source == "flagship@semafor.test"


def test_message_id_is_the_identity_of_the_brief() -> None:
    mail = read_message(message(message_id="<issue-42@news.test>").as_bytes())
    assert mail.message_id == mail.brief.key == "<issue-42@news.test>"


def test_plain_text_is_the_fallback_when_there_is_no_html() -> None:
    text = "\n\n".join(f"{t}\n\n{x}" for t, x in STORIES)
    expected = [s.title for s in briefs_from_bytes(text.encode(), name="issue.txt")[0].stories]
    assert titles(message(text=text, image=False).as_bytes()) == expected
    assert "Drones over Kyiv" in " ".join(
        s.text for s in read_message(message(text=text).as_bytes()).brief.stories
    )


def test_images_and_tracking_pixels_leave_no_trace_in_the_stories() -> None:
    stories = read_message(message().as_bytes()).brief.stories
    text = " ".join(s.title + " " + s.text for s in stories)
    assert "logo" not in text and "open.gif" not in text and "GIF89a" not in text


def test_an_image_inside_a_story_leaves_neither_its_alt_text_nor_its_address() -> None:
    title, text = STORIES[2]
    pictured = [(title, f"{text} <img alt='Photo: smoke over Kyiv' src='https://cdn.test/k.jpg'>")]
    html = newsletter_html(pictured).replace(
        "<h1>", "<a href='https://t.test/click'><img src='https://t.test/px.gif'></a><h1>"
    )
    [story] = read_message(message(html=html).as_bytes()).brief.stories
    assert story.text == text
    assert "t.test" not in (story.url or "") and "cdn.test" not in (story.url or "")


def test_base64_and_windows_1251_bodies_are_decoded() -> None:
    stories = [("Переговори в Каїрі.", "Ізраїль і ХАМАС обмінялися звинуваченнями. " * 6)]
    msg = message(html=newsletter_html(stories), text="x", charset="windows-1251")
    data = msg.as_bytes()
    assert b'charset="windows-1251"' in data and "Каїрі".encode() not in data
    assert titles(data) == ["Переговори в Каїрі."]


def test_an_unknown_charset_is_read_rather_than_dropped() -> None:
    data = message().as_bytes().replace(b'charset="utf-8"', b'charset="x-no-such-charset"')
    assert titles(data) == [t for t, _ in STORIES]


def test_multipart_mixed_with_an_attachment_reads_the_body_only() -> None:
    mixed = EmailMessage()
    for name in ("Subject", "From", "Date", "Message-ID"):
        mixed[name] = message()[name]
    mixed.set_content("see the brief below")
    mixed.make_mixed()
    mixed.attach(message())
    mixed.add_attachment(
        b"%PDF-1.4 junk", maintype="application", subtype="pdf", filename="brief.pdf"
    )
    assert "junk" not in " ".join(s.text for s in read_message(mixed.as_bytes()).brief.stories)


def test_a_message_over_the_size_cap_is_refused_in_one_line() -> None:
    with pytest.raises(MailError, match="over the 26,214,400-byte limit") as info:
        read_message(b"x" * (MAX_MESSAGE_BYTES + 1), name="big.eml")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some words, no headers at all",
        b'Subject: half\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: image/png\n\nxx",
    ],
)
def test_what_is_not_a_readable_message_gets_one_line(data: bytes) -> None:
    with pytest.raises(MailError) as info:
        read_message(data, name="bad.eml")
    assert str(info.value).startswith("bad.eml") and "\n" not in str(info.value)


def test_a_broken_mime_tree_still_gives_its_text() -> None:
    data = (
        b"Subject: broken\nMessage-ID: <b@x>\nContent-Type: multipart/alternative\n\n"
        + "\n\n".join(f"{t}\n\n{x}" for t, x in STORIES).encode()
    )
    assert read_message(data).brief.stories


def with_boundary(data: bytes, declared: bytes) -> bytes:
    """The message with its top boundary parameter replaced (``b""``: none at all)."""
    head, sep, body = data.partition(b"\n\n")
    head = re.sub(rb';\s*boundary="[^"]+"', declared, head, count=1)
    return head + sep + body


@pytest.mark.parametrize(
    "declared", [b'; boundary="not-the-one-used"', b""], ids=["wrong boundary", "no boundary"]
)
def test_a_multipart_that_declares_the_wrong_boundary_is_read_by_the_one_its_parts_use(
    declared: bytes,
) -> None:
    data = with_boundary(message().as_bytes(), declared)
    mail = read_message(data)
    assert [s.title for s in mail.brief.stories] == [t for t, _ in STORIES]
    assert "Content-Type" not in " ".join(s.text for s in mail.brief.stories)


CORPUS_HTML = sorted((CORPUS / "briefs").glob("*.html")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS_HTML, reason=f"the shared corpus is absent ({CORPUS})")
@pytest.mark.parametrize("charset", ["utf-8", "windows-1252"])
def test_corpus_newsletters_sent_by_mail_split_as_their_saved_pages_do(charset: str) -> None:
    for path in CORPUS_HTML:
        html = path.read_bytes().decode("utf-8")
        if charset != "utf-8":
            try:
                html.encode(charset)
            except UnicodeEncodeError:
                continue
        expected = [s.title for s in briefs_from_bytes(html.encode(), name=path.name)[0].stories]
        msg = message(html=html, text="plain", charset=charset, image=False)
        assert titles(msg.as_bytes()) == expected, path.name


def corpus_charsets() -> dict[str, list[tuple[str, str]]]:
    """The charsets of the corpus's feeds (as feedparser found them in files it read
    cleanly), each with the titles and summaries of one such feed."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((CORPUS / "feeds").rglob("*.xml")) if CORPUS.is_dir() else []:
        parsed = feedparser.parse(path.read_bytes())
        try:
            charset = codecs.lookup(parsed.get("encoding") or "").name
        except LookupError:
            continue
        items = [(e.get("title", ""), e.get("summary", "")) for e in parsed.entries]
        items = [(t, x) for t, x in items if t.strip() and len(x.split()) >= 8][:4]
        if parsed.bozo or not items or charset in found:
            continue
        try:
            for title, text in items:
                (title + text).encode(charset)
        except UnicodeEncodeError:
            continue
        found[charset] = items
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is absent ({CORPUS})")
@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_every_charset_of_the_corpus_in_every_transfer_encoding_reads_as_in_utf_8(
    cte: str,
) -> None:
    charsets = corpus_charsets()
    assert {"utf-8", "iso8859-1", "cp1251"} <= set(charsets), sorted(charsets)
    for charset, items in charsets.items():
        html = newsletter_html([(html_escape(t), html_escape(x)) for t, x in items])
        data = message(html=html, text="x", charset=charset, cte=cte).as_bytes()
        assert f"Content-Transfer-Encoding: {cte}".encode() in data
        in_utf_8 = titles(message(html=html, text="x").as_bytes())
        assert in_utf_8 and titles(data) == in_utf_8, charset
        if charset != "utf-8":
            assert any(ord(c) > 127 for c in "".join(in_utf_8 + [x for _, x in items])), charset


def test_a_saved_message_file_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "issue.eml"
    path.write_bytes(message().as_bytes())
    assert titles(path.read_bytes()) == [t for t, _ in STORIES]
