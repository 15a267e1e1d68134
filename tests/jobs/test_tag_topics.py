"""The shipped topics on stories written for these tests: names with other senses,
passing mentions, and topics a reader sees without their keyword."""

from __future__ import annotations

import pytest

from jobs.catalogue import CatalogueError, load_topics
from jobs.ingest.tag import Tagger
from tests.conftest import SEEDS

FILLER = (
    "The council also discussed road repairs, the library's opening hours and a plan to "
    "plant more trees along the river, and agreed to meet again next month. "
)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_topics(SEEDS / "topics.toml"))


def topics(tagger: Tagger, title: str, text: str) -> set[str]:
    return set(tagger.tag(title, text))


def test_a_trade_union_strike_is_not_a_trade_story(tagger):
    text = (
        "Members of the country's largest trade union walked out on Monday over pay. "
        "Trade union leaders said the strike would last a week."
    )
    assert "trade" not in topics(tagger, "Nurses Strike Over Pay", text)


def test_georgia_the_state_is_us_politics_and_georgia_the_country_is_europe(tagger):
    state = (
        "Georgia's governor signed the election bill in Atlanta on Tuesday after the state "
        "Senate passed it along party lines; Democrats vowed to challenge it in court."
    )
    assert topics(tagger, "Georgia Passes Election Bill", state) >= {"us-politics"}
    assert "europe" not in topics(tagger, "Georgia Passes Election Bill", state)
    country = (
        "Thousands of protesters filled the streets of Tbilisi for a tenth night after the "
        "ruling party suspended talks on joining the European Union."
    )
    assert "europe" in topics(tagger, "Georgia's Protests Grow", country)
    assert "us-politics" not in topics(tagger, "Georgia's Protests Grow", country)


OTHER_SENSES = {
    "Turkey the bird": (
        "middle-east",
        ("How to Cook a Perfect Turkey", "Turkey is the centrepiece of most holiday tables. "
         "Brine the Turkey overnight, then cook it slowly and let it rest before carving."),
        ("Turkey Raises Rates Again",
         "Ankara raised its benchmark rate again as the lira slid to a record low."),
    ),
    "Jordan the player": (
        "middle-east",
        ("Jordan Leads Comeback", "Jordan scored 38 points as his team won the final, and the "
         "sneakers that carry his name sold out within an hour."),
        ("Refugee talks",
         "Jordan's King Abdullah met the Egyptian president in Amman to discuss refugees."),
    ),
    "china the dishes": (
        "china",
        ("Fine China for the Holidays",
         "Set the table with fine china and crystal; bone china survives the dishwasher."),
        ("China Cuts Rates", "Beijing moved to support growth."),
    ),
    "Steam the vapour": (
        "tech",
        ("Full Steam Ahead for Rail Talks", "Rail unions said talks would go on all weekend."),
        ("Steam Gets a Redesign",
         "Valve said the Steam store will list more games built for its new handheld."),
    ),
}  # fmt: skip


@pytest.mark.parametrize("sense", OTHER_SENSES)
def test_a_name_with_another_sense_tags_its_topic_only_beside_other_signs_of_it(tagger, sense):
    slug, other, meant = OTHER_SENSES[sense]
    assert slug not in topics(tagger, *other)
    assert slug in topics(tagger, *meant)


def test_jim_jordan_is_us_politics_and_not_the_country(tagger):
    text = "Jim Jordan, who chairs the House Judiciary Committee, issued the subpoenas."
    assert topics(tagger, "Subpoenas issued", text) == {"us-politics"}


def test_a_hostage_taking_far_from_gaza_is_not_a_gaza_story(tagger):
    text = "A gunman held a bank clerk hostage for six hours before the police ended the siege."
    assert "gaza" not in topics(tagger, "Bank siege ends", text)


def test_a_european_club_match_is_sport_not_news_about_europe(tagger):
    text = "Manchester United will face Porto in the Europa League after the draw in Nyon."
    assert "europe" not in topics(tagger, "Europa League draw", text)


def test_one_passing_mention_of_a_country_does_not_tag_a_long_local_story(tagger):
    text = FILLER * 3 + "A councillor noted that the new buses were built in China. " + FILLER
    assert "china" not in topics(tagger, "Council approves budget", text)


def test_us_politics_is_seen_in_a_court_ruling_a_senate_vote_and_a_nomination(tagger):
    ruling = "The justices ruled 6-3 that the agency had exceeded its authority under the law."
    assert "us-politics" in topics(tagger, "Supreme Court curbs agency power", ruling)
    vote = "The chamber voted 52-48 to confirm the nominee after a cloture vote on Monday."
    assert "us-politics" in topics(tagger, "Senate confirms new defense chief", vote)
    nomination = "The nominee faces a confirmation hearing before the Judiciary Committee."
    assert "us-politics" in topics(tagger, "A pick for the appeals bench", nomination)


def test_trade_climate_and_economy_are_seen_without_their_names(tagger):
    assert "trade" in topics(
        tagger, "New export controls on chips", "The rules widen the entity list."
    )
    assert "climate" in topics(
        tagger, "Wind and solar overtake coal", "Solar panels and wind farms made more power."
    )
    assert "economy" in topics(
        tagger, "Stocks slide", "Treasury yields rose and shares fell after the jobs report."
    )


def test_an_adjective_of_origin_before_a_national_institution_is_the_country_acting(tagger):
    text = "Chinese exports rose 8% in March, and the central bank held its key rate."
    assert "china" in topics(tagger, "Exports beat forecasts", text)
    designer = "A Chinese designer opened a shop selling hats and scarves in the old town."
    assert "china" not in topics(tagger, "A new hat shop", designer)


def test_acronyms_written_as_words_count_like_the_acronyms(tagger):
    assert "europe" in topics(tagger, "Nato allies meet", "Defence ministers agreed to spend more.")
    assert "health" in topics(tagger, "Covid cases rise", "Hospitals reported more admissions.")
    assert "climate" in topics(tagger, "Cop30 opens", "Delegates began two weeks of talks.")


def test_a_briefing_in_another_european_language_gets_its_topics(tagger):
    text = "Die Bundesregierung will die Zölle auf Stahl aus China senken."
    assert topics(tagger, "Zölle: Berlin lenkt ein", text) >= {"europe", "trade", "china"}


def test_an_ambiguous_term_must_be_one_of_the_topics_terms(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topic]]\nslug = "asia"\nname = "Asia"\nkeywords = ["Japan"]\nambiguous = ["Jordan"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="ambiguous names 'Jordan'"):
        load_topics(path)
