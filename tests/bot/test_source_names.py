"""The source names /prefer takes: whole names, their words, initials; one line for the rest."""

from __future__ import annotations

from bot.ui.sources import problem, resolve_words, short_name

KNOWN = {
    1: "Foreign Policy: World Brief",
    2: "The Guardian: World news",
    3: "BBC News: World",
    4: "The New York Times: World",
    5: "Al Jazeera: All news",
}


def test_a_source_is_named_by_its_whole_name_a_word_of_it_or_its_initials_in_any_case():
    assert resolve_words("bbc news: world, guardian, NYT, al jazeera", KNOWN).ids == [3, 2, 4, 5]


def test_names_without_commas_are_taken_word_by_word_when_each_names_a_source():
    assert resolve_words("BBC Guardian", KNOWN).ids == [3, 2]
    assert resolve_words("Al Jazeera", KNOWN).ids == [5]


def test_a_name_that_fits_several_sources_asks_for_more_of_it():
    resolved = resolve_words("news", KNOWN)
    assert resolved.ids == []
    assert problem(resolved, list(KNOWN.values())) == (
        "“news” could be The Guardian: World news, BBC News: World, Al Jazeera: All news: "
        "write more of the name."
    )


def test_a_misspelt_name_is_refused_with_the_sources_it_may_mean():
    resolved = resolve_words("BBC, Gaurdian", KNOWN)
    assert problem(resolved, list(KNOWN.values())) == (
        "I don't know the source “Gaurdian”. Did you mean The Guardian: World news?"
    )


def test_the_refusal_quotes_a_name_without_its_direction_controls():
    said = problem(resolve_words("\u202eSTR", KNOWN), list(KNOWN.values()))
    assert said.startswith("I don't know the source “STR”.") and "\u202e" not in said


def test_a_sources_short_name_drops_its_section():
    assert [short_name(n) for n in KNOWN.values()][:3] == [
        "Foreign Policy",
        "The Guardian",
        "BBC News",
    ]
