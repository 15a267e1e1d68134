"""The shared corpus of real feeds and newsletters (../shared/corpus), read in place.

Story counts and titles below were checked by reading each newsletter.
"""

from __future__ import annotations

import re

import pytest

from jobs.catalogue import load_topics
from jobs.errors import FeedError
from jobs.ingest.parse import briefs_from_bytes, parse_feed
from jobs.ingest.tag import Tagger, tag_briefs
from tests.conftest import CORPUS, SEEDS, corpus_files

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
BRIEFS = CORPUS / "briefs"


def manifest_entry_counts() -> dict[str, int]:
    """feeds/good file -> entry count, from MANIFEST.md's feedparser column."""
    counts = {}
    text = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    for name, count in re.findall(r"^\| (\S+\.xml) \|[^\n]*?\| \w+/(\d+)/bozo=", text, re.M):
        counts[name] = int(count)
    return counts


def stories(name: str):
    [brief] = briefs_from_bytes((BRIEFS / name).read_bytes(), name=name)
    return brief


def test_every_good_feed_yields_the_entries_its_manifest_lists():
    expected = manifest_entry_counts()
    good = corpus_files("feeds/good")
    assert len(good) == 27
    for path in good:
        feed = parse_feed(path.read_bytes(), source=path.name)
        assert len(feed.entries) == expected[path.name], path.name
        assert all(e.title for e in feed.entries), path.name


def test_every_bad_feed_is_read_or_refused_with_one_line():
    refused = []
    for path in corpus_files("feeds/bad"):
        try:
            briefs_from_bytes(path.read_bytes(), name=path.name)
        except FeedError as exc:
            assert "\n" not in str(exc) and path.name in str(exc)
            refused.append(path.name)
    assert "billion_laughs_DatHydroGuy.xml" in refused
    assert "realworld_lavanguardia_newsml_not-a-feed.xml" in refused
    assert "rssparser_unrecognized.xml" in refused
    assert len(refused) <= 6


def test_the_broken_el_pais_feed_still_gives_its_81_items():
    data = (CORPUS / "feeds/bad/realworld_elpais_es_illformed-invalid-token.rss.xml").read_bytes()
    assert len(briefs_from_bytes(data, name="elpais.xml")) == 81


def test_sanitize_fixtures_lose_their_scripts_and_handlers():
    checked = 0
    for path in corpus_files("feeds/bad", "fp_sanitize_*"):
        for entry in parse_feed(path.read_bytes(), source=path.name).entries:
            html = entry.html.lower()
            assert "<script" not in html and "javascript:" not in html, path.name
            assert "onerror" not in html and "<iframe" not in html, path.name
            checked += 1
    assert checked >= 10  # most fixtures have an entry; a few are only broken XML


def test_ordinary_news_feed_items_are_one_story_each():
    data = (CORPUS / "feeds/good/guardian_us_2018-01-31.rss.xml").read_bytes()
    briefs = briefs_from_bytes(data, name="guardian.xml")
    assert len(briefs) == 55 and all(len(b.stories) == 1 for b in briefs)


SEMAFOR_2026_04_27 = [
    "Israel-Lebanon truce frays",
    "Hopes fade for US-Iran talks",
    "Central banks set to hold fire",
    "Cairo’s nightlife returns",
    "US shooting’s political fallout",
    "UK hopes king’s US visit builds ties",
    "Magyar’s huge challenge",
    "China blocks Meta-Manus deal",
    "Latam’s worsening demographics",
    "US happiness plummets",
]


@pytest.mark.parametrize("suffix", ["md", "html"])
def test_semafor_flagship_gives_its_ten_numbered_stories_from_markdown_and_email_html(suffix):
    brief = stories(
        f"semafor-flagship_2026-04-27_ceasefires-central-banks-and-conspiracies.{suffix}"
    )
    assert [s.title for s in brief.stories] == SEMAFOR_2026_04_27
    for story in brief.stories:
        assert "Subscribe" not in story.text and "Flagging" not in story.text
        assert "Reuters\n" not in story.text and "Semafor Recommends" not in story.text


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("semafor-flagship_2026-01-14_blackouts-and-bankruptcy.md",
         "Greenland doesn’t want to join US", "Cancer patients are living longer"),
        ("semafor-flagship_2026-01-22_the-framework-of-a-deal.md",
         "Zelenskyy to meet Trump in Davos", "Blue Origin’s broadband ambitions"),
        ("semafor-flagship_2026-01-26_private-fixations.md",
         "Israel recovers body of last hostage", "Around the world in 40 days"),
        ("semafor-flagship_2026-02-02_converging-on-a-shared-reality.md",
         "Trump positive on Iran ‘deal’", "Alcaraz makes history in Australia"),
        ("semafor-flagship_2026-04-26_signs-of-historical-significance.html",
         "Violence reaches heart of US establishment", "Marathon record is shattered"),
    ],
)  # fmt: skip
def test_other_semafor_issues_give_ten_stories_without_their_ads(name, first, last):
    brief = stories(name)
    assert len(brief.stories) == 10
    assert (brief.stories[0].title, brief.stories[-1].title) == (first, last)
    greenland = brief.stories[0].text
    assert not greenland.startswith("The prime ministers of Greenland and Denmark")


def test_semafor_caption_glued_to_the_first_sentence_is_removed():
    brief = stories("semafor-flagship_2026-01-14_blackouts-and-bankruptcy.md")
    assert brief.stories[0].text.startswith("Greenland’s prime minister said")
    assert brief.stories[1].text.startswith("US President Donald Trump rebuked Jamie Dimon")


@pytest.mark.parametrize(
    ("name", "count", "first"),
    [
        ("news-minimalist_2026-01-15_nato-sends-troops-to-greenland.md", 11,
         "Nato allies send troops to Greenland as Denmark calls for common defence"),
        ("news-minimalist_2026-01-28_india-eu-free-trade-deal.md", 12,
         "India and the EU finalize free trade agreement"),
    ],
)  # fmt: skip
def test_news_minimalist_gives_full_stories_and_one_line_headlines(name, count, first):
    brief = stories(name)
    assert len(brief.stories) == count and brief.stories[0].title == first
    assert brief.stories[3].text.count("\n") == 0  # the headline items are one line
    assert all("Thanks for reading" not in s.text for s in brief.stories)


def test_fp_editors_picks_lead_ins_become_five_stories():
    titles = {
        "fp-editors-picks_2021-10-27_parkhe.txt": ["Power grab.", "Creeping censorship.",
            "Trans-Atlantic love fest?", "Rebuilding partnerships.", "Ready for battle?"],
        "fp-editors-picks_2021-12-17_parkhe.txt": ["Essential employees.", "Unlikely comeback.",
            "Exit door.", "Technological breakthrough.", "Incoherent policy."],
        "fp-editors-picks_2017-07-28_clubalthea.txt": ["SMALL DIPLOMACY", "TO THE BATTLEFIELD",
            "FROM TOP TO BOTTOM", "ISRAEL-AMERICAN RIFT", "‘DREADNOUGHT STRATEGY’"],
    }  # fmt: skip
    for name, expected in titles.items():
        brief = stories(name)
        assert [s.title for s in brief.stories] == expected, name
        assert all("Read more" not in s.text for s in brief.stories)


def test_guardian_at_a_glance_gives_one_story_per_bold_paragraph():
    brief = stories("guardian_russia-ukraine-war-at-a-glance_day-338_2023-01-26.html")
    assert len(brief.stories) == 9
    assert brief.stories[0].title.startswith("Ukrainian civilians raced for cover on Thursday")
    assert (
        brief.stories[-1].title
        == "Canada has confirmed that it will be sending 4 Leopard tanks to Ukrainian forces"
    )
    assert all(
        "See all our" not in s.text and "Continue reading" not in s.text for s in brief.stories
    )


def test_bloomberg_email_gives_its_paragraph_stories_without_market_table_or_promos():
    brief = stories("bloomberg-morning-briefing-americas_2026-04-27_shooters-motive-probed.html")
    titles = [s.title for s in brief.stories]
    assert brief.summary is not None and brief.summary.startswith("Good morning.")
    assert titles[0].startswith("The man accused of storming the White House")
    assert "Budget airlines seek a break." in titles
    assert "Warsh Confirmation Set to Advance as GOP Holdout Backs Vote" in titles
    text = "\n".join(s.text for s in brief.stories)
    for junk in ("S&P 500 Futures", "Alphadots", "Coming soon", "More Opinions", "Photographer:"):
        assert junk not in text and junk not in titles
    assert "Yale Is the Least of US Higher Education’s Problems" in titles  # a "More Opinions" item
    assert "Nir Kaissar" not in titles  # its byline
    assert 13 <= len(brief.stories) <= 15  # readers count 15


def test_world_brief_fragment_gives_its_one_started_story_and_its_summary():
    brief = stories("fp-world-brief_2026-03-30_FRAGMENT.txt")
    assert [s.title for s in brief.stories] == ["Contradictory Claims"]
    assert brief.summary is not None and brief.summary.startswith("Welcome back to World Brief")


def test_corpus_briefs_get_plausible_topics():
    tagger = Tagger(load_topics(SEEDS / "topics.toml"))
    [semafor] = tag_briefs(
        tagger,
        [stories("semafor-flagship_2026-04-27_ceasefires-central-banks-and-conspiracies.md")],
    )
    topics = {s.title: set(s.topics) for s in semafor.stories}
    assert "middle-east" in topics["Israel-Lebanon truce frays"]
    assert "europe" in topics["Magyar’s huge challenge"]
    assert "china" in topics["China blocks Meta-Manus deal"]
    assert "americas" in topics["Latam’s worsening demographics"]
