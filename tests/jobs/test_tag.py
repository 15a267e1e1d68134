"""Topic tagging and subscriber keywords: what matches, what does not, and why."""

from __future__ import annotations

import pytest

from jobs.catalogue import CatalogueError, TopicDefinition, load_topics
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
        {"ukraine", "europe", "us-politics"},
        {"gaza", "us-politics"},
        {"trade", "asia", "us-politics"},
        {"europe"},
        {"trade", "americas", "us-politics"},
    ]


def test_every_tag_keeps_the_terms_that_matched_in_file_order(tagger):
    brief = split_text((SEEDS / "world-brief_2025-02-12.txt").read_text(encoding="utf-8"))
    [tagged] = tag_briefs(tagger, [brief])
    assert tagged.stories[4].topics["trade"] == ("tariff", "import")
    assert tagged.stories[3].topics["europe"] == ("Greece", "Mitsotakis", "Greek")


def topic(slug: str, *keywords: str, **fields: tuple[str, ...]) -> TopicDefinition:
    return TopicDefinition(slug=slug, name=slug, keywords=keywords, **fields)  # type: ignore[arg-type]


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


def test_terms_and_ignored_phrases_line_up_in_text_whose_lower_case_is_longer():
    tagger = Tagger([topic("trade", "tariff", "trade", ignore=("Trade Center",))])
    # each "İ" lower-cases to two letters, so the lower-cased text is 10 letters longer
    text = "İzmir, İstanbul, İznik, İzmit, İnegöl, İdil, İspir, İmroz, İpsala and İvrindi "
    text += "sent visitors to the Trade Center."
    assert tagger.tag("Towers", text) == {}
    assert tagger.tag("Port news", "İzmir fears the TARIFFS.") == {"trade": ("tariff",)}


def test_a_mention_counts_once_when_two_spellings_of_a_term_match_it():
    tagger = Tagger([topic("europe", "NATO", "Nato", "Brussels")])
    filler = "Ministers met for a second day to talk about budgets and roads. " * 9
    assert tagger.tag("Summit", "NATO said so. " + filler) == {}
    assert set(tagger.tag("Summit", "NATO said so in Brussels. " + filler)) == {"europe"}


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
    repeated = "China China China China. " + filler
    assert tagger.tag("Local budget", repeated) == {"china": ("China",)}


def test_a_side_topic_with_under_a_quarter_of_the_evidence_is_a_passing_mention():
    tagger = Tagger([topic("china", "China", "Beijing"), topic("americas", "Canada")])
    text = (
        "China's exports rose; Beijing said China sold more to China's neighbours, China and Canada"
    )
    assert set(tagger.tag("Export record", text)) == {"china"}
    assert set(tagger.tag("Export record", text + " and Canada too.")) == {"china", "americas"}
    assert set(tagger.tag("Canada's buyers", text)) == {"china", "americas"}


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


def test_a_context_term_counts_half_and_alone_needs_one_mention_more():
    tagger = Tagger([topic("economy", "Federal Reserve", context=("investors", "markets"))])
    assert tagger.tag("Morning notes", "Investors were calm.") == {}
    assert tagger.tag("Morning notes", "Investors watched the Federal Reserve.") == {
        "economy": ("Federal Reserve", "investors")
    }
    busy = "Investors fled; markets fell; investors sold; markets shut."
    assert tagger.tag("Morning notes", busy) == {"economy": ("investors", "markets")}


def test_words_inside_an_ignored_phrase_are_no_evidence():
    tagger = Tagger([topic("trade", "tariff", context=("trade",), ignore=("trade union",))])
    text = "The trade union called a strike. Trade union leaders met. The trade union won."
    assert tagger.tag("Strike at the port", text) == {}
    assert tagger.tag("Trade and tariffs", "The tariff hits trade.") == {
        "trade": ("tariff", "trade")
    }


def test_a_topic_defers_to_another_unless_the_title_names_it_alone():
    tagger = Tagger([topic("gaza", "Gaza"), topic("middle-east", "Israel", defer_to=("gaza",))])
    assert set(tagger.tag("Aid reaches Gaza", "Israel opened a crossing into Gaza.")) == {"gaza"}
    assert set(tagger.tag("Israel votes", "The vote was also about Gaza.")) == {
        "gaza",
        "middle-east",
    }
    assert set(tagger.tag("Israel opens Gaza crossing", "Trucks crossed.")) == {"gaza"}


@pytest.mark.parametrize(
    ("title", "text", "topics"),
    [
        ("Court blocks order", "The Supreme Court blocked the executive order.", {"us-politics"}),
        ("Senate confirms nominee", "Republicans confirmed him 51-49.", {"us-politics"}),
        ("Exports to US slump", "Shipments of goods fell as exports dropped.", {"trade"}),
        ("Solar overtakes coal", "Solar power produced more electricity than coal.", {"climate"}),
        ("Stocks slide", "Wall Street fell as investors sold bank shares.", {"economy"}),
        ("Nvidia unveils chip", "The chipmaker showed a new GPU.", {"tech"}),
        (
            "Justices weigh firing",
            "Chief Justice John Roberts questioned Todd Blanche.",
            {"us-politics"},
        ),
        (
            "Closer ties ahead",
            "Ministers discussed a customs union and the single market.",
            {"trade"},
        ),
        ("Grid batteries boom", "Energy storage plants and hydropower are spreading.", {"climate"}),
        (
            "Yields jump",
            "Bond yields rose after the FOMC meeting and the selloff spread.",
            {"economy"},
        ),
        ("Writers move on", "Substack and Patreon compete for creators.", {"tech"}),
        ("Syria's comeback", "The Syrian president met Gulf leaders.", {"middle-east"}),
    ],
)
def test_a_topic_told_without_its_name_is_still_tagged(tagger, title, text, topics):
    assert set(tagger.tag(title, text)) == topics


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Union vote", "The trade union voted to strike over pay at the trade show."),
        ("Holiday dinner", "A roast turkey and wild turkey recipes for the holiday."),
        ("Atlanta race", "Georgia voters in Atlanta lined up early."),
        ("Diving final", "China continued its diving dominance in Paris, winning more medals."),
        ("Costumes with a twist", "The British designer dressed the cast of the period film."),
    ],
)
def test_precision_traps_do_not_tag_a_place_or_trade(tagger, title, text):
    assert set(tagger.tag(title, text)) & {"trade", "middle-east", "europe", "china"} == set()


def test_the_topics_file_gives_context_ignored_phrases_and_deferrals(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topic]]\nslug = "gaza"\nname = "Gaza"\nkeywords = ["Gaza"]\n'
        '[[topic]]\nslug = "middle-east"\nname = "Middle East"\nkeywords = ["Israel"]\n'
        'context = ["ceasefire"]\nignore = ["Israel Street"]\ndefer_to = ["gaza"]\n'
    )
    _, mideast = load_topics(path)
    assert (mideast.context, mideast.ignore, mideast.defer_to) == (
        ("ceasefire",),
        ("Israel Street",),
        ("gaza",),
    )
    assert mideast.evidence == ("Israel", "ceasefire")


def test_deferring_to_a_topic_the_file_lacks_names_the_topic_and_the_slug(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topic]]\nslug = "europe"\nname = "Europe"\nkeywords = ["EU"]\ndefer_to = ["ukraine"]\n'
    )
    with pytest.raises(CatalogueError, match=r"topic 'europe': defer_to names ukraine"):
        load_topics(path)


def test_an_adjective_of_origin_in_the_text_is_a_passing_mention_but_tags_from_the_title():
    tagger = Tagger([topic("europe", "Britain", adjectives=("British",))])
    text = "The British designer of the costumes won an award for the film."
    assert tagger.tag("Costumes get a modern spin", text) == {}
    assert tagger.tag("British designer wins award", "She won it for the film.") == {
        "europe": ("British",)
    }
    assert tagger.tag("Costumes", "British costumes, British actors.") == {"europe": ("British",)}


def test_a_phrase_of_one_topic_also_counts_for_another_topics_term_inside_it():
    tagger = Tagger([topic("us-politics", "sanctions bill"), topic("trade", "sanction")])
    tagged = tagger.tag("To the battlefield", "Congress sent the sanctions bill to the president.")
    assert tagged == {"us-politics": ("sanctions bill",), "trade": ("sanction",)}


def test_an_adjective_before_a_government_word_is_the_country_acting():
    tagger = Tagger([topic("middle-east", "Syria", adjectives=("Syrian",))])
    text = "Ten years on, the Syrian president has found his way back into the world's good graces."
    assert tagger.tag("Unlikely comeback", text) == {"middle-east": ("Syrian",)}


def test_places_in_a_sports_story_are_venues_unless_the_title_names_them():
    tagger = Tagger([topic("europe", "Paris", "France", venues=("Olympic", "medals"))])
    text = "GB win their 1,000th Olympic medal on day 12 in Paris."
    assert tagger.tag("GB win three more medals", text) == {}
    assert tagger.tag("France counts the cost of its Olympics", text) == {
        "europe": ("Paris", "France")
    }
    assert tagger.tag("Strikes in Paris", "Workers walked out across Paris.") == {
        "europe": ("Paris",)
    }


def test_a_title_repeated_at_the_start_of_the_text_counts_once():
    tagger = Tagger([topic("climate", "wildfire", context=("storm", "rain"))])
    assert tagger.tag("Storm warning", "Storm warning. Rain expected.") == {}
    assert tagger.tag("Storm warning", "Storm warning. Rain and more rain expected.") == {
        "climate": ("storm", "rain")
    }


def test_congresses_abroad_are_not_us_politics(tagger):
    text = "The Congress party's leader said the vote in Bihar was a warning to Modi's BJP."
    assert set(tagger.tag("India's opposition regroups", text)) == {"asia"}
    assert "us-politics" in tagger.tag("Congress passes the budget", "The Senate follows.")


def test_a_topic_that_neither_the_title_nor_the_lead_names_needs_twice_the_evidence():
    tagger = Tagger([topic("americas", "Cuba", "Havana"), topic("economy", "oil prices")])
    middle = "Officials met again on Tuesday and said the talks would go on for weeks. " * 6
    late = middle + "Oil prices rose, and oil prices may rise again."
    assert set(tagger.tag("Cuba talks", "Havana and Cuba hold talks. " + late)) == {"americas"}
    early = "Havana and Cuba hold talks as oil prices climb. " + late
    assert set(tagger.tag("Cuba talks", early)) == {"americas", "economy"}
