"""Grouping stories into events: one happening is one event, one theme is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs.events.features import features
from jobs.events.grouper import Grouper, Item, brings_news, group, new_names

T0 = datetime(2024, 8, 8, 9, 0, tzinfo=UTC)

SCHOOL_BBC = Item(
    "bbc",
    "Israeli strike on Gaza school kills at least 16",
    "An Israeli air strike hit the Mustafa Hafez school in Gaza City on Thursday, killing "
    "at least 16 people sheltering there, the Hamas-run civil defence agency said.",
    T0,
)
SCHOOL_NYT = Item(
    "nyt",
    "At Least 16 Killed in Israeli Strikes Near Gaza School Buildings",
    "Israeli strikes near the Mustafa Hafez school compound in Gaza City killed at least 16 "
    "people, Palestinian officials said; Israel said Hamas fighters were operating there.",
    T0 + timedelta(hours=3),
)
KHAN_YOUNIS = Item(
    "aljazeera",
    "Israeli strike on Khan Younis tent camp kills seven",
    "An Israeli drone struck tents in the al-Mawasi area west of Khan Younis on Thursday, "
    "killing seven displaced people, medics at Nasser hospital said.",
    T0 + timedelta(hours=4),
)


def test_two_outlets_reporting_one_strike_form_one_event():
    assert sorted(map(sorted, group([SCHOOL_BBC, SCHOOL_NYT]))) == [["bbc", "nyt"]]


def test_two_strikes_in_two_places_are_two_events():
    events = group([SCHOOL_BBC, SCHOOL_NYT, KHAN_YOUNIS])
    assert sorted(map(sorted, events)) == [["aljazeera"], ["bbc", "nyt"]]


def test_a_story_outside_the_window_starts_its_own_event():
    late = Item(SCHOOL_NYT.key, SCHOOL_NYT.title, SCHOOL_NYT.text, T0 + timedelta(hours=40))
    assert len(group([SCHOOL_BBC, late], Grouper(window=timedelta(hours=36)))) == 2


def _mourners(hours: float) -> Item:
    return Item(
        "mourners",
        "Mourners in Gaza City",
        "Funerals were held on Thursday for people killed at a school, the civil defence "
        "agency said.",
        T0 + timedelta(hours=hours),
    )


def test_a_loose_match_joins_an_event_the_same_day_but_not_a_day_and_more_later():
    assert sorted(map(sorted, group([SCHOOL_BBC, _mourners(1)]))) == [["bbc", "mourners"]]
    assert sorted(map(sorted, group([SCHOOL_BBC, _mourners(30)]))) == [["bbc"], ["mourners"]]


def test_a_close_match_joins_its_event_a_day_and_more_later():
    late = Item(SCHOOL_NYT.key, SCHOOL_NYT.title, SCHOOL_NYT.text, T0 + timedelta(hours=30))
    assert sorted(map(sorted, group([SCHOOL_BBC, KHAN_YOUNIS, late]))) == [
        ["aljazeera"],
        ["bbc", "nyt"],
    ]


def test_a_peoples_adjective_and_its_country_are_one_term():
    airspace = features("Airlines reroute flights around Iranian airspace", "")
    ban = features("FAA bars flights over Iran", "")
    assert "iran" in airspace.weights.keys() & ban.weights.keys()


def test_a_partys_short_name_and_its_name_are_one_term():
    short = features("GOP holds the Senate in Virginia", "")
    full = features("Republicans hold the Senate", "")
    assert "republican" in short.weights.keys() & full.weights.keys()


def test_a_daily_briefing_joins_no_event_even_when_it_names_one():
    briefing = Item(
        "briefing",
        "Thursday Briefing: Strike on Gaza school",
        SCHOOL_BBC.text + " Also: Olympic results and a heatwave in Spain.",
        T0 + timedelta(hours=1),
    )
    assert len(group([SCHOOL_BBC, briefing])) == 2


def test_the_match_says_which_terms_the_stories_share():
    grouper = Grouper()
    first = features(SCHOOL_BBC.title, SCHOOL_BBC.text)
    grouper.add("bbc", first, T0, event=7)
    found = grouper.match(features(SCHOOL_NYT.title, SCHOOL_NYT.text), SCHOOL_NYT.at)
    assert found is not None and found.event == 7 and found.key == "bbc"
    assert {"hafez", "mustafa"} <= set(found.shared)


def test_stories_leave_the_index_when_they_leave_the_window():
    grouper = Grouper(window=timedelta(hours=36))
    for hour in range(0, 24 * 10, 6):
        at = T0 + timedelta(hours=hour)
        grouper.add(hour, features(f"Story number {hour}", "Nothing in common."), at, hour)
        grouper.match(features("probe", "probe"), at)
    assert len(grouper) <= 36 // 6 + 1


def test_a_later_story_with_new_names_and_numbers_brings_something_new():
    first = features(SCHOOL_BBC.title, SCHOOL_BBC.text)
    update = features(
        "Gaza school strike toll rises to 40",
        "The toll of Thursday's strike on the Mustafa Hafez school in Gaza City rose to 40, "
        "the World Health Organization said, as UNRWA called for an inquiry.",
    )
    rewrite = features(SCHOOL_NYT.title, SCHOOL_NYT.text)
    assert {"40", "unrwa"} <= new_names(update, [first])
    assert "16" not in new_names(rewrite, [first])


def test_a_rewrite_of_a_delivered_story_is_no_news_and_a_new_toll_with_new_names_is():
    earlier = [(SCHOOL_BBC.title, SCHOOL_BBC.text)]
    update = (
        "Gaza school strike toll rises to 40",
        "The toll of Thursday's strike on the Mustafa Hafez school in Gaza City rose to 40, "
        "the World Health Organization said, as UNRWA called for an inquiry.",
    )
    assert brings_news(*update, earlier)
    assert not brings_news(SCHOOL_NYT.title, SCHOOL_NYT.text, earlier)
