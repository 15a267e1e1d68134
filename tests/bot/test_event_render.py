"""Showing each event once in a digest: the earliest story, its number, the other outlets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.ui.events import also_sources, collapse, render_events_digest, why_grouped
from storage.events import Version
from storage.models import Story

T0 = datetime(2024, 8, 8, 9, 0, tzinfo=UTC)


def story(story_id: int, title: str) -> Story:
    return Story(id=story_id, title=title, text=f"{title}. More of it.", tags=[])


def version(story_id: int, event_id: int, source: str, hours: int) -> Version:
    return Version(
        story_id, event_id, source, f"story {story_id}", None, T0 + timedelta(hours=hours)
    )


# Stories 1 and 3 (NYT, later; BBC, earlier) report event 10; story 2 is alone; story 4
# reports event 10 too, from a second NYT feed item.
EVENT = [version(3, 10, "BBC", 0), version(1, 10, "NYT", 2), version(4, 10, "NYT", 3)]
VERSIONS = {1: EVENT, 3: EVENT, 4: EVENT, 2: [version(2, 11, "Guardian", 1)]}
STORIES = [story(1, "NYT on the strike"), story(2, "Kursk"), story(3, "BBC on the strike")]


def test_an_event_shows_its_earliest_story_at_the_place_of_its_first_with_its_number():
    entries = collapse(STORIES, VERSIONS)
    assert [(e.number, e.story.id) for e in entries] == [(3, 3), (2, 2)]
    assert entries[0].also == ("NYT",)


def test_stories_without_an_event_are_shown_as_they_are():
    entries = collapse(STORIES, {})
    assert [(e.number, e.story.id, e.also) for e in entries] == [(1, 1, ()), (2, 2, ()), (3, 3, ())]


def test_the_other_outlets_are_named_once_each_and_never_the_shown_one():
    assert also_sources(EVENT, 1) == ("BBC",)
    assert also_sources(EVENT, 3) == ("NYT",)


def test_the_digest_text_names_the_other_outlets_under_the_story():
    text, shown = render_events_digest(STORIES, VERSIONS, {}, heading="Today")
    assert shown == [3, 2]
    assert "also: NYT" in text and "NYT on the strike" not in text and "/story_1" not in text


def test_why_names_the_story_it_was_grouped_with_and_the_shared_terms():
    said = why_grouped(1, EVENT, EVENT[0], ["mustafa", "hafez", "school"], 0.41)
    assert "one event with 2 other stories (BBC, NYT)" in said
    assert "“story 3” (BBC)" in said and "mustafa, hafez, school" in said and "0.41" in said
    assert why_grouped(2, VERSIONS[2], None, [], None) == ""


def _from(feeds: dict[str, int]) -> dict[int, list[Version]]:
    """VERSIONS with each outlet's feed id."""
    return {
        sid: [replace(v, feed_id=feeds.get(v.source)) for v in versions]
        for sid, versions in VERSIONS.items()
    }


def test_an_event_shows_the_story_of_the_first_preferred_source_that_reported_it():
    versions = _from({"BBC": 7, "NYT": 8, "Guardian": 9})
    entries = collapse(STORIES, versions, preferred=(9, 8, 7))
    assert [(e.number, e.story.id) for e in entries] == [(1, 1), (2, 2)]
    assert entries[0].also == ("BBC",)


def test_preferred_sources_without_a_story_in_the_event_keep_the_earliest():
    versions = _from({"BBC": 7, "NYT": 8, "Guardian": 9})
    entries = collapse(STORIES, versions, preferred=(9,))
    assert [(e.number, e.story.id) for e in entries] == [(3, 3), (2, 2)]
