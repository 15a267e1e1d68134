"""Topic tagging and subscriber keywords: what matches, what does not, and why."""

from __future__ import annotations

import pytest

from jobs.catalogue import TopicDefinition, load_topics
from jobs.ingest.split.segment import split_text
from jobs.ingest.tag import KeywordMatcher, Tagger, tag_briefs
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_topics(SEEDS / "topics.toml"))


def test_seed_stories_get_exactly_the_expected_topics(tagger):
    brief = split_text((SEEDS / "world-brief_2025-02-12.txt").read_text(encoding="utf-8"))
    [tagged] = tag_briefs(tagger, [brief])
    assert [set(s.topics) for s in tagged.stories] == [
        {"ukraine", "europe"},
        {"gaza", "middle-east"},
        {"trade", "asia"},
        {"europe"},
        {"trade", "americas"},
    ]


def test_every_tag_keeps_the_terms_that_matched_in_file_order(tagger):
    brief = split_text((SEEDS / "world-brief_2025-02-12.txt").read_text(encoding="utf-8"))
    [tagged] = tag_briefs(tagger, [brief])
    assert tagged.stories[4].topics["trade"] == ("tariff", "import")
    assert tagged.stories[3].topics["europe"] == ("Greece", "Greek", "Mitsotakis")


def topic(slug: str, *keywords: str, exclude: tuple[str, ...] = ()) -> TopicDefinition:
    return TopicDefinition(slug=slug, name=slug, keywords=keywords, exclude=exclude)


def test_capitalised_terms_match_their_spelling_and_lower_case_terms_any_case():
    tagger = Tagger([topic("health", "WHO", "vaccine")])
    assert tagger.tag("Who decides?", "Who knows.") == {}
    assert tagger.tag("WHO warns", "") == {"health": ("WHO",)}
    assert tagger.tag("VACCINE drive starts", "") == {"health": ("vaccine",)}


def test_whole_words_only_plurals_and_possessives_count():
    tagger = Tagger([topic("ukraine", "Ukraine"), topic("trade", "tariff")])
    assert tagger.tag("Ukraine’s allies meet", "") == {"ukraine": ("Ukraine",)}
    assert tagger.tag("New tariffs announced", "") == {"trade": ("tariff",)}
    assert tagger.tag("Ukrainetown fair", "tariffing is not a word") == {}


def test_multi_word_phrases_match_across_line_breaks():
    tagger = Tagger([topic("trade", "trade war")])
    assert tagger.tag("Fears of a trade\nwar grow", "") == {"trade": ("trade war",)}
    assert tagger.tag("Trade talks and war games", "") == {}


def test_exclusion_term_stops_the_topic():
    tagger = Tagger([topic("trade", "trade", exclude=("trade deadline",))])
    assert tagger.tag("Trade news", "") == {"trade": ("trade",)}
    assert tagger.tag("Trade news", "Before the trade deadline the club sold two players.") == {}


def test_one_passing_mention_in_a_long_story_does_not_tag_it():
    tagger = Tagger([topic("china", "China", "Beijing")])
    filler = "The city council met again to discuss the budget and the new library. " * 30
    assert tagger.tag("Local budget", filler + "Beijing was mentioned once.") == {}
    repeated = filler + "China China China China."
    assert tagger.tag("Local budget", repeated) == {"china": ("China",)}


def test_a_short_item_needs_only_one_mention():
    tagger = Tagger([topic("china", "China")])
    assert tagger.tag("Export data", "China reported record exports.") == {"china": ("China",)}


def test_subscriber_keywords_need_one_mention_and_follow_the_same_word_rules():
    matcher = KeywordMatcher(["lithium", "Greenland", "rare earth"])
    text = "Long text about mining. " * 50 + "Prices of lithium rose; rare\nearths too."
    assert matcher.match("Mining news", text) == {
        "lithium": ("lithium",),
        "rare earth": ("rare earth",),
    }
    assert matcher.match("greenland", "") == {}
    assert matcher.match("Greenland's ice", "") == {"Greenland": ("Greenland",)}
