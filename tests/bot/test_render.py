"""Rendering (pure): escaping, teasers, splitting under Telegram's limits, callback data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import lookup_timezone
from bot.ui.keyboards import (
    callback_data,
    parse_callback,
    story_buttons,
    story_buttons_json,
    topic_picker,
)
from bot.ui.render import escape, html_to_plain, split_message, teaser
from storage.models import Topic
from tests.botapi.html import parse_html, utf16_len


def test_escape_leaves_no_markup_in_feed_text() -> None:
    assert escape("AT&T <script>x</script>") == "AT&amp;T &lt;script&gt;x&lt;/script&gt;"
    assert parse_html(escape("a < b && <b>")).text == "a < b && <b>"


def test_a_teaser_is_the_first_sentence_or_two_and_never_too_long() -> None:
    assert teaser("Short one. Second here. Third never.") == "Short one. Second here."
    long = "A " + "very " * 80 + "long sentence. Next."
    cut = teaser(long)
    assert cut.endswith("…") and len(cut) <= 221
    assert teaser("U.S. troops stay. Europe decides.") == "U.S. troops stay. Europe decides."


def test_a_short_message_is_one_part() -> None:
    assert split_message("<b>hi</b>\n\nthere") == ["<b>hi</b>\n\nthere"]


def test_parts_are_cut_at_paragraph_boundaries_when_there_are_some() -> None:
    paragraphs = ["x" * 1500 for _ in range(5)]

    parts = split_message("\n\n".join(paragraphs))

    assert [p.split("\n\n") for p in parts] == [paragraphs[:2], paragraphs[2:4], paragraphs[4:]]


def test_utf16_units_count_not_characters() -> None:
    parts = split_message("📰" * 3000)

    assert len(parts) == 2
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == "📰" * 3000


def test_a_tag_spanning_a_cut_is_closed_and_reopened() -> None:
    parts = split_message("<b>" + "word " * 1000 + "</b>")

    assert len(parts) == 2
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)
    assert all(parse_html(p) for p in parts)


def test_no_part_carries_more_than_100_entities() -> None:
    markup = "\n".join(f"<b>{i}</b> /story_{i}" for i in range(150))

    parts = split_message(markup)

    assert len(parts) >= 3
    assert all(len(parse_html(p).entities) <= 100 for p in parts)


def test_entities_are_never_cut() -> None:
    parts = split_message("&amp;" * 5000)

    assert all(parse_html(p).text == "&" * len(parse_html(p).text) for p in parts)
    assert sum(len(html_to_plain(p)) for p in parts) == 5000


paragraph = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=900)


@settings(max_examples=75, deadline=None)
@given(st.lists(st.tuples(paragraph, st.sampled_from(["", "b", "i", "code"])), max_size=12))
def test_any_escaped_text_splits_into_parts_telegram_accepts(
    blocks: list[tuple[str, str]],
) -> None:
    markup = "\n\n".join(f"<{t}>{escape(x)}</{t}>" if t else escape(x) for x, t in blocks)

    parts = split_message(markup)

    parsed = [parse_html(p) for p in parts]  # raises if any part is malformed
    assert all(p.length <= 4096 and len(p.entities) <= 100 for p in parsed)
    original = "".join(html_to_plain(markup).split())
    assert "".join("".join(p.text.split()) for p in parsed) == original


def test_callback_data_stays_under_64_bytes_and_round_trips() -> None:
    assert parse_callback(callback_data("s", 123456789, 10)) is not None
    assert parse_callback("0|t|ukraine") is None
    with pytest.raises(ValueError, match="longer than 64 bytes"):
        callback_data("t", "x" * 70)
    picker = topic_picker([Topic(slug="middle-east", name="Middle East", emoji="🕌")], [])
    for row in picker.inline_keyboard:
        for button in row:
            assert len(str(button.callback_data).encode()) <= 64


@pytest.mark.parametrize(
    ("digest_id", "count", "numbers"),
    [(1, 1, None), (123_456_789, 10, None), (42, 10, [2, 5, 9]), (7, 12, None), (9, 0, None)],
)
def test_a_digest_keyboard_sent_as_json_is_exactly_the_keyboard_ptb_would_send(
    digest_id: int, count: int, numbers: list[int] | None
) -> None:
    made = json.loads(story_buttons_json(digest_id, count, numbers))

    assert made == story_buttons(digest_id, count, numbers).to_dict()
    callbacks = [b["callback_data"] for row in made.get("inline_keyboard", []) for b in row]
    assert all(parse_callback(c) is not None for c in callbacks)
    assert all(f"|{digest_id}|" in c for c in callbacks)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("Kiev", "Europe/Kyiv"), ("europe/berlin", "Europe/Berlin"), ("new york", "America/New_York"),
     ("UTC", "UTC"), ("Asia/Calcutta", "Asia/Kolkata")],
)  # fmt: skip
def test_time_zones_resolve_from_what_people_type(typed: str, zone: str) -> None:
    assert lookup_timezone(typed).zone == zone


def test_a_near_miss_time_zone_gets_suggestions() -> None:
    found = lookup_timezone("Europ/Kyv")

    assert found.zone is None
    assert found.suggestions[0] == "Europe/Kyiv"
