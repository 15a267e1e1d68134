"""Splitting briefs into stories: the seed World Brief and briefs written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.ingest.split.layout import recurring
from jobs.ingest.split.segment import split_html, split_item_html, split_text
from tests.conftest import SEEDS

SEED = SEEDS / "world-brief_2025-02-12.txt"
SEED_TITLES = [
    "Is Europe on Its Own?",
    "Renewing war.",
    "Modi comes to Washington.",
    "Upset over new president.",
    "Odds and Ends",
]
JUNK = [
    "Today’s Most Read",
    "How Gaza Shattered",
    "Pope Francis Is Ready",
    "Post Office",
    "More from Foreign Policy",
    "Domino Theory",
    "Join the Conversation",
    "Subscribe",
    "subscribe",
    "View Comments",
    "username",
    "Alexandra Sharp is the World Brief writer",
    "Getty Images",
    "Welcome back",
]


@pytest.fixture(scope="module")
def seed():
    return split_text(SEED.read_text(encoding="utf-8"), url="https://example.org/brief")


def test_seed_brief_gives_exactly_its_five_stories_in_order(seed):
    assert [s.title for s in seed.stories] == SEED_TITLES
    assert [s.position for s in seed.stories] == [1, 2, 3, 4, 5]


def test_seed_stories_carry_no_most_read_promos_bios_captions_or_comment_boilerplate(seed):
    for story in seed.stories:
        for junk in JUNK:
            assert junk not in story.text, (story.title, junk)


def test_seed_stories_keep_their_facts(seed):
    europe, gaza, modi, greece, odds = (s.text for s in seed.stories)
    assert "Hegseth" in europe and "NATO" in europe and "Zelensky wrote on X" in europe
    assert gaza.startswith("The Israeli military called up its reservists")
    assert "Hamas" in gaza and "al-Sisi" in gaza
    assert "tariffs" in modi and "Quadrilateral Security Dialogue" in modi
    assert "Tassoulas" in greece and "Tempi" in greece
    assert "Ontario" in odds and "proud Canadians" in odds


def test_seed_repeated_opening_is_collapsed_into_one_copy(seed):
    europe = seed.stories[0].text
    assert europe.count("The Trump administration delivered a stark message") == 1


def test_seed_welcome_intro_becomes_the_summary_and_title_comes_from_the_first_line(seed):
    assert seed.title == "Hegseth Rules Out U.S. Peacekeeping in Ukraine"
    assert seed.summary is not None and seed.summary.startswith("Welcome back to World Brief")


def test_every_story_keeps_the_brief_url_and_publication_time():
    when = datetime(2025, 2, 12, 22, 0, tzinfo=UTC)
    brief = split_text(SEED.read_text(encoding="utf-8"), url="https://x.test/b", published_at=when)
    assert {(s.url, s.published_at) for s in brief.stories} == {("https://x.test/b", when)}


NEWSLETTER_HTML = """<html><head><title>Evening Wire</title></head><body>
<p>Good evening. Three things happened today.</p>
<h2 id="rates">Central bank holds rates</h2>
<figure><img src="x.jpg"><figcaption>The governor speaks. Jane Doe/Reuters</figcaption></figure>
<p>The central bank kept its key rate unchanged on Tuesday, citing sticky inflation.</p>
<p>Markets had expected the decision.
<a href="javascript:alert(1)">Subscribe to our markets newsletter</a>.</p>
<h2 id="storm">Storm reaches the coast</h2>
<p>A storm made landfall overnight, cutting power to thousands of homes along the coast.</p>
<h2>Most Popular</h2>
<ul><li>Ten things you missed</li><li>Quiz of the week</li></ul>
<h2 id="vote">Parliament passes budget</h2>
<p>Lawmakers approved the budget by a narrow margin after a long night of debate.</p>
<p>You're receiving this email because you signed up.</p>
</body></html>"""


def test_html_newsletter_splits_at_headings_with_anchored_urls_and_no_junk():
    brief = split_html(NEWSLETTER_HTML, url="https://news.test/evening")
    assert brief.title == "Evening Wire"
    assert brief.summary == "Good evening. Three things happened today."
    assert [(s.title, s.url) for s in brief.stories] == [
        ("Central bank holds rates", "https://news.test/evening#rates"),
        ("Storm reaches the coast", "https://news.test/evening#storm"),
        ("Parliament passes budget", "https://news.test/evening#vote"),
    ]
    rates = brief.stories[0].text
    assert "Reuters" not in rates and "Subscribe" not in rates
    assert "Markets had expected the decision." in rates
    assert all("Quiz" not in s.text and "receiving" not in s.text for s in brief.stories)


def test_bold_lead_ins_split_paragraphs_into_stories_under_a_section_label():
    html = """<h3>What We're Following</h3>
    <p><strong>Talks stall.</strong> Negotiators left without a deal on Monday.</p>
    <p>Both sides blamed each other for the impasse.</p>
    <p><strong>Floods recede.</strong> Water levels fell across the delta.</p>"""
    brief = split_html(html, title="Brief")
    assert [(s.title, s.text) for s in brief.stories] == [
        (
            "Talks stall.",
            "Negotiators left without a deal on Monday.\n\n"
            "Both sides blamed each other for the impasse.",
        ),
        ("Floods recede.", "Water levels fell across the delta."),
    ]


def test_markdown_headings_and_list_items_make_stories():
    text = """# Weekly roundup

Hello, and welcome to the roundup.

## Election called

The prime minister called an early election for March, surprising her own party.

- Polls open at 7 a.m.

## Rail strike ends

Unions accepted a pay offer after three weeks of walkouts.
"""
    brief = split_text(text)
    assert brief.title == "Weekly roundup"
    assert [s.title for s in brief.stories] == ["Election called", "Rail strike ends"]
    assert brief.stories[0].text.endswith("- Polls open at 7 a.m.")


def test_house_announcement_opening_with_a_pitch_is_dropped_whole_and_counted():
    text = """# Weekly roundup

## Election called

The prime minister called a snap election for March after losing a confidence vote.

## Introducing shared links

Members can now share up to five articles a month with anyone. Just tap the share icon above
any article and send the link away!

## Rail strike ends

Unions accepted a pay offer after three weeks of walkouts. Subscribe to our rail newsletter.
"""
    brief = split_text(text)
    assert [s.title for s in brief.stories] == ["Election called", "Rail strike ends"]
    assert brief.stories[1].text == "Unions accepted a pay offer after three weeks of walkouts."
    assert any("Just tap the share icon" in d.text for d in brief.dropped)


def test_news_that_reads_like_a_pitch_or_names_the_us_keeps_every_sentence():
    text = """# Morning brief

## Kyiv told to wait

U.S. Defense Secretary Pete Hegseth said on Wednesday that Kyiv should not expect to become a
member of NATO. Ukraine's president still wants U.S. security guarantees. He said so in Munich.

## Rail strike ends

Unions accepted a pay offer after three weeks of walkouts. Become a paid subscriber to read on.
"""
    brief = split_text(text)
    assert brief.stories[0].text == (
        "U.S. Defense Secretary Pete Hegseth said on Wednesday that Kyiv should not expect to "
        "become a member of NATO. Ukraine's president still wants U.S. security guarantees. "
        "He said so in Munich."
    )
    assert brief.stories[1].text == "Unions accepted a pay offer after three weeks of walkouts."


def test_link_post_without_its_comments_line_still_starts_its_own_story():
    text = """# Links for Monday

## Posts and links

Scientists [found a sunken wall](https://a.test/wall) of granite blocks off the coast of France,\
set in pairs on the bedrock.
[ comments](https://blog.test/1)

[A map of every river](https://b.test/rivers) drawn in one colour per basin, from the Amazon on.
[ comments](https://blog.test/2)

Members can now share five articles a month. [See how gift links work](https://blog.test/gift).

[The kimchi trade turns](https://c.test/kimchi) as cheaper imports overtake exports.

[Students gave up their phones](https://d.test/phones) for a week and wrote down what they missed.
[ comments](https://blog.test/3)
"""
    brief = split_text(text)
    assert [s.title for s in brief.stories][2:] == [
        "The kimchi trade turns as cheaper imports overtake exports",
        "Students gave up their phones for a week and wrote down what they missed",
    ]
    assert len(brief.stories) == 4
    assert not any("gift links" in s.text for s in brief.stories)


def test_note_ending_in_a_linked_call_to_action_is_dropped_but_a_story_ending_in_one_is_kept():
    text = """# Weekly roundup

## Election called

The prime minister called a snap election for March after losing a confidence vote.

People left 23 comments on posts this week. [Check out the busiest threads](https://b.test/c).

## Rail strike ends

Unions accepted a pay offer after three weeks of walkouts. [Read our rail coverage](https://b.test/r)
"""
    brief = split_text(text)
    assert [s.title for s in brief.stories] == ["Election called", "Rail strike ends"]
    assert "comments on posts" not in brief.stories[0].text
    assert any("comments on posts" in d.text for d in brief.dropped)
    assert brief.stories[1].text.startswith("Unions accepted a pay offer")


def test_numbered_brief_list_of_bold_lead_ins_gives_one_story_per_item():
    html = """<html><body><h1>Media wire</h1>
<p>↓</p><p>1</p><h2>Network sold</h2>
<p>The network was sold to a studio group for two billion dollars after a long auction.</p>
<p>↓</p><p>2</p><h2>Paper cuts print days</h2>
<p>The city paper will print three days a week from June and move its staff online.</p>
<p>↓</p><p>Intel</p><ul>
<li><strong>A newsletter platform</strong> is launching a campaign on Monday against rivals.</li>
<li><strong>The Styles desk</strong> is dropping honorific titles in the coming days.</li>
<li><strong>Ars Technica</strong> released a new AI policy.</li></ul>
</body></html>"""
    brief = split_html(html)
    assert len(brief.stories) == 5
    assert brief.stories[4].text.endswith("released a new AI policy.")
    assert "Intel" not in [s.title for s in brief.stories]


def test_forwarded_email_line_at_the_top_is_dropped_without_cutting_the_brief():
    html = """<html><body>
<p>Was this email forwarded to you? Sign up here</p>
<h1>Weekly wire</h1>
<h2>Network sold</h2>
<p>The network was sold to a studio group for two billion dollars after a long auction.</p>
<h2>Paper cuts print days</h2>
<p>The city paper will print three days a week from June and move its staff online.</p>
<p>Was this email forwarded to you? Sign up here</p>
<p>A closing line under the footer that belongs to nobody at all, written here.</p>
</body></html>"""
    brief = split_html(html)
    assert [s.title for s in brief.stories] == ["Network sold", "Paper cuts print days"]
    assert not any("forwarded" in s.text or "closing line" in s.text for s in brief.stories)


def test_ordinary_feed_item_with_subheadings_stays_one_story():
    html = """<p>The council approved the new bridge on Monday after a year of debate.</p>
    <h2>Why it matters</h2><p>The old bridge carries twice its design load every day.</p>
    <h2>What comes next</h2><p>Construction starts in spring and should take two years.</p>
    <h2>Costs</h2><p>The bridge will cost about 40 million euros, paid by the region.</p>"""
    brief = split_item_html(html, title="Council approves bridge", url="https://n.test/b")
    assert [s.title for s in brief.stories] == ["Council approves bridge"]
    assert "Construction starts in spring" in brief.stories[0].text


def test_feed_item_that_is_a_newsletter_is_split():
    html = "".join(
        f"<p><strong>{lead}</strong> {body}</p>"
        for lead, body in [
            ("Troops withdraw.", "The army pulled back from the border town overnight."),
            ("Prices rise.", "Consumer prices rose 3 percent in the year to March."),
            ("Court rules.", "The supreme court struck down the new media law."),
        ]
    )
    brief = split_item_html(html, title="Morning briefing: three stories", url="https://n.test/m")
    assert [s.title for s in brief.stories] == ["Troops withdraw.", "Prices rise.", "Court rules."]


PIECES = ["<p>", "</p>", "<h2>", "</h2>", "<strong>", "</strong>", "<br><br>", "**", "\n", "\n\n",
          "# ", "- ", "↓↓11", "Welcome back to ", "Read more", "Photo: X", "/Reuters", "A", "b.",
          " ", "Title", "?", ":", "1", "’"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_text_or_markup_splits_without_error_into_numbered_titled_stories(text):
    for brief in (split_text(text), split_html(text), split_item_html(text, title="T")):
        assert [s.position for s in brief.stories] == list(range(1, len(brief.stories) + 1))
        assert all(s.title and s.text for s in brief.stories)
        assert brief.title


BOILERPLATE_HEAVY = """# The Weekly Letter

## Our first story

Parliament passed the budget after a night of debate.

## Most Read

- A story from last week that everyone read
- Another story from last week that everyone read
- A third story from last month that people liked a lot
- A fourth story from last year that people still read

## Sponsored

An advertiser would like you to try their product, which is very good and costs little.

Unsubscribe from these emails at any time; we will miss you.
"""


def test_a_brief_that_would_lose_most_of_its_text_is_kept_whole_as_one_story():
    brief = split_text(BOILERPLATE_HEAVY)
    assert brief.whole
    [story] = brief.stories
    assert "Parliament passed the budget" in story.text
    assert "A story from last week" in story.text
    assert "Unsubscribe" not in story.text


def test_a_brief_of_one_story_is_marked_as_not_split():
    brief = split_text("# One thing\n\nOnly one item is in this brief, and it is short.")
    assert brief.whole and len(brief.stories) == 1


def test_a_well_split_brief_reports_each_dropped_block_with_its_reason(seed):
    assert not seed.whole
    dropped = {(d.reason, d.text) for d in seed.dropped}
    assert ("section", "Today’s Most Read") in dropped
    assert any(
        reason == "footer" and text.startswith("Join the Conversation") for reason, text in dropped
    )
    assert any(reason == "caption" and "Getty Images" in text for reason, text in dropped)


def _issue(n: int, story: str) -> str:
    return (
        f"# Issue {n}\n\n## {story}\n\n"
        f"The council met on day {n} and voted on the {story.lower()} after a long debate.\n\n"
        "Market data may be delayed and is provided for information only by our partners.\n\n"
        "## Our sponsor this week\n\n"
        "Try the planner that thousands of teams use every single day to ship faster.\n\n"
        f"## Second item {n}\n\nA second story about item {n}, told in one short paragraph."
    )


def test_blocks_that_recur_in_earlier_issues_are_dropped_as_the_feeds_template():
    first, second = split_text(_issue(1, "Budget")), split_text(_issue(2, "Roads"))
    template = recurring([first.layout, second.layout])
    third = split_text(_issue(3, "Schools"), template=template)
    without = split_text(_issue(3, "Schools"))
    assert any("Market data" in s.text for s in without.stories)
    assert not any("Market data" in s.text or "planner" in s.text for s in third.stories)
    assert [s.title for s in third.stories] == ["Schools", "Second item 3"]
    assert {d.reason for d in third.dropped} >= {"template"}
    assert "The council met on day 3" in third.stories[0].text
