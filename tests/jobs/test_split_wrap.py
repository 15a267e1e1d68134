"""Newsletters converted from plain-text email: hard-wrapped lines, written-out links."""

from __future__ import annotations

from jobs.ingest.split.segment import split_text
from jobs.ingest.split.wrap import text_lines

_FILL = "The central bank kept its key rate unchanged on Tuesday, citing sticky inflation"

WRAPPED = f"""Good morning. Rates, storms and a budget today.

 Markets Snapshot

 S&P 500 Futures  <https://x.test/1>  <>  6,958.5
<https://x.test/1>  <>  -0.66%  <https://x.test/1>  <>
 Nasdaq Futures  <https://x.test/2>  <>  25,706.75
<https://x.test/2>  <>  -0.89%  <https://x.test/2>  <>
 Market data may be delayed depending on provider agreements.

Governor Jane Doe said on Tuesday that the central bank would hold its key rate
<https://x.test/rates> at 4% for the third meeting running, citing inflation that
has stayed above target for two years. Investors had priced in a cut, and bond
yields rose sharply after the announcement.

There was immediate pushback from lawmakers, who said the decision would weigh
on mortgage holders already struggling with higher payments this winter and
that the bank had misread a cooling labour market.
 <https://x.test/rates>
A storm made landfall overnight on the southern coast, cutting power to tens of
thousands of homes and closing the main port for a second day, officials said,
as crews worked to clear roads blocked by fallen trees and flooding.

 <https://x.test/video>
Governor Explains the Decision  <https://x.test/video>
 Watch the Video  <https://x.test/video>

 Before You Go

 <https://x.test/photo> Photographer: Ann Lee/Reuters
The last lighthouse keeper on the island retired this week after forty years of
tending the lamp, and the town plans a festival in her honour next summer with
music, boat races and a reading of her logbooks.

{_FILL}.
{_FILL}.
{_FILL}.
{_FILL}.
{_FILL}.
{_FILL}.
"""


def test_hard_wrapped_lines_are_rejoined_into_paragraphs_without_their_addresses():
    lines = [line for line in text_lines(WRAPPED) if line]
    governor = next(line for line in lines if line.startswith("Governor Jane Doe"))
    assert governor.endswith("yields rose sharply after the announcement.")
    assert any(line.startswith("A storm made landfall") for line in lines)


def test_addresses_in_parentheses_over_three_lines_count_as_links():
    text = "Read “The Plastic Inside Us (\nhttps://x.test/a\n)” by Wynne Parry.\n"
    assert "<https://x.test/a>" in text_lines(text)[0]


def test_underlined_short_lines_are_headings():
    text = "---------\nWhat I’m reading\n---------\n\nA fine book about questions.\n"
    assert "## What I’m reading" in text_lines(text)


def test_a_wrapped_briefing_gives_each_unheaded_news_paragraph_its_own_story():
    brief = split_text(WRAPPED)
    leads = [s.text.split(" ")[0:3] for s in brief.stories]
    assert leads[:3] == [
        ["Governor", "Jane", "Doe"],
        ["A", "storm", "made"],
        ["The", "last", "lighthouse"],
    ]
    assert "There was immediate pushback" in brief.stories[0].text  # it goes on with the rate story
    assert all("6,958.5" not in s.text and "Watch the Video" not in s.text for s in brief.stories)
    assert all("Governor Explains" not in s.text for s in brief.stories)
    assert brief.stories[2].title == "Before You Go"
    reasons = {d.reason for d in brief.dropped}
    assert {"table", "embed", "caption"} <= reasons


LETTER = """5-Point Friday

Hi All!

Here is your weekly list of what I’m reading. This edition is brought to you by Acme.

-------------------
What I’m reading
-------------------

“On Questions” by Ann Lee is an outstanding read about how scientists choose problems,
why the best of them spend years on the question before the answer, and what the rest of us
can learn from that about our own work, our teams and the projects we pick each year.

-------------------
What I’m watching
-------------------

Burden of Dreams is a documentary about making a film in the jungle, and a strange one at that:
a crew hauls a steamship over a mountain because the director will not compromise, and the
result is one of the most honest portraits of obsession I have ever seen on film.

Have a wonderful weekend, all.

Much love to you and yours,

Tim

P.S. Deal of the Week — Acme meditation. Try 30 sessions for free at acme.example.
"""


def test_a_letter_s_greeting_and_sign_off_frame_its_stories_and_the_ps_is_left_out():
    brief = split_text(LETTER)
    assert [s.title for s in brief.stories] == ["What I’m reading", "What I’m watching"]
    assert all("Acme" not in s.text and "Much love" not in s.text for s in brief.stories)
    assert any("Deal of the Week" in d.text for d in brief.dropped)


ITEMS = """#586 — January 23, 2026

Read the Web Version ( https://weekly.example/586 )

------------------
LANG WEEKLY
------------------

* RESULTS FROM THE LATEST DEVELOPER SURVEY
( https://lang.example/survey ) — Over 5,000 developers responded to the
latest official survey, broadly reporting a high level of satisfaction.
  -- Ann Lee and the Team

* QUERY BILLIONS OF ROWS IN MILLISECONDS
( https://ads.example/db ) — Hypertables, compression and aggregates. Start
building for free ( https://ads.example/db ).
  -- Acme Data (SPONSOR)

* A PROPOSAL TO ADD GENERIC METHODS
( https://lang.example/issue ) — It is early days, but when a proposal
comes from one of the co-creators, it is worth listening to.
  -- Rob Green et al.

------------------
CODE & TOOLS
------------------

📄 Patching an Old Console to Serve Local News
( https://blog.example/news ) – Delightfully niche and a fun use of the
language. Raúl Negrón

📄 A Rust Developer's Honest Review
( https://blog.example/review ) – A developer who has been using it for a
few months shares what he does and does not like. Ben Raz

📄 Writing a Time Series Database from Scratch
( https://slides.example/tsdb ) – A slide deck from a conference talk on
storage engines. Ali Val

Curated by Ann Lee. Lang is a trademark of Example Inc.
Stop getting this newsletter ( https://weekly.example/unsub )
"""


def test_a_plain_text_list_of_items_gives_one_story_per_item_without_credits_or_ads():
    brief = split_text(ITEMS)
    assert [s.title for s in brief.stories] == [
        "RESULTS FROM THE LATEST DEVELOPER SURVEY",
        "A PROPOSAL TO ADD GENERIC METHODS",
        "Patching an Old Console to Serve Local News",
        "A Rust Developer's Honest Review",
        "Writing a Time Series Database from Scratch",
    ]
    assert all("--" not in s.text and "Curated" not in s.text for s in brief.stories)
    assert any(d.reason == "sponsor" and "QUERY BILLIONS" in d.text for d in brief.dropped)


ESSAY = """Radar #791: The Eastern Surge

Editorial: The Eastern Surge

I wanted to take a moment to go through what has been a very fast week, from a new memory
module to a round of funding for brain interfaces.

Let’s run the forward pass.

1. DeepSeek Engram: The Hash Map Moment

First, the Engram paper, released on Monday, which offloads static patterns to a table.

2. Brain-AI Interface (Merge Labs)

Finally, a large funding round for a company that wants to bypass the keyboard altogether.

AI Research

Conditional Memory via Scalable Lookup: A New Axis of Sparsity for Large Language Models

AI Lab: Example AI, Example University

Summary: This paper proposes a conditional memory module that uses hashed lookups.

Tournament Ranking for Open-Ended Agents

AI Lab: Example Research

Summary: This paper addresses the discrimination collapse in reinforcement learning.
"""


def test_numbered_sections_of_an_essay_are_stories_and_what_opens_them_is_an_intro():
    brief = split_text(ESSAY)
    titles = [s.title for s in brief.stories]
    assert titles[:2] == ["DeepSeek Engram: The Hash Map Moment", "Brain-AI Interface (Merge Labs)"]
    assert any(d.reason == "intro" and "forward pass" in d.text for d in brief.dropped)


def test_a_title_over_an_item_s_fields_heads_a_story_that_keeps_its_fields():
    brief = split_text(ESSAY)
    paper = next(s for s in brief.stories if s.title.startswith("Conditional Memory"))
    assert paper.text.startswith("AI Lab: Example AI") and "hashed lookups" in paper.text
    assert [s.title for s in brief.stories][-1] == "Tournament Ranking for Open-Ended Agents"


DAILY = """The Daily Briefing
Tuesday, January 14, 2026

View this email in your browser <https://example.com/web>

Good morning. Here is what you need to know today.

TOP NEWS

Russia launches biggest drone attack in weeks
Russia launched its largest drone attack in weeks overnight, knocking out power
to hundreds of thousands of homes in three regions, officials said on Tuesday.
<https://example.com/1>

Senate confirms defence secretary
The Senate confirmed the new defence secretary by a vote of 51 to 49 after a
bitter debate over his record, handing the president a narrow victory.
<https://example.com/2>

Eurozone inflation slows
Inflation in the eurozone slowed to 2.1% in December, giving the central bank
room to cut interest rates again at its next meeting, economists said.
<https://example.com/3>

BUSINESS

Carmaker recalls a million vehicles
The carmaker is recalling more than a million vehicles worldwide over a
software fault that can disable the rear-view camera, regulators said.
<https://example.com/4>

SPONSORED CONTENT

Discover the new way to invest. Open an account in minutes and get your first
trade free. Terms apply. <https://ads.example.com>

You are receiving this newsletter because you subscribed. Unsubscribe
<https://example.com/u>"""


def test_a_wrapped_headline_over_its_paragraph_heads_its_own_story():
    brief = split_text(DAILY)
    assert [s.title for s in brief.stories] == [
        "Russia launches biggest drone attack in weeks",
        "Senate confirms defence secretary",
        "Eurozone inflation slows",
        "Carmaker recalls a million vehicles",
    ]
    assert brief.stories[0].text.startswith("Russia launched its largest drone attack")
    assert all("first trade free" not in s.text for s in brief.stories)


WEEKEND = """Welcome to the weekend!

 Big Ideas

In 2021 a small trade office in the Baltics opened, and the largest power in the region
answered with a boycott that spurred the bloc to invent a new tool against coercion. Now
the same tool may be turned on an old ally, our columnist writes.

 <https://x.test/essay>
 Weekend Essay  <https://x.test/essay>
 An Untethered Ally Is Expanding a Rival's Sphere  <https://x.test/essay>
By ignoring the rules-based order, the ally is giving its rival an opening.
 <https://x.test/essay>
 Read the Story  <https://x.test/essay>

Finance is wasting a generation of talent. A Dutch historian says that too many of the
brightest graduates are funneled into finance instead of problems that matter.

 Weekend Interview
 <https://x.test/interview>
 The Historian Who Says Finance Is Wasting a Generation of Talent
<https://x.test/interview>

 Is It Worth It?

A diet soda: Gross, mom. Across the soda aisle, diet is out and zero sugar is in as the
latter's branding resonates with younger consumers.

A chile oil sundae: If you dare! Social media have diners seeking out flavors their
parents would rarely have considered.

A glass of premium water: Sommeliers think so. A bottler employs four water tasters to
persuade consumers to pay for something that is free from the tap.

 One Last Thing

A science fiction writer revisits his work with a famous director, from inventing a robot
character to grappling with the director's seriousness about machine intelligence.
"""


def test_a_teaser_card_after_its_paragraph_names_that_story_and_starts_none():
    brief = split_text(WEEKEND)
    titles = [s.title for s in brief.stories]
    assert titles[0] == "An Untethered Ally Is Expanding a Rival's Sphere"
    assert brief.stories[0].text.startswith("In 2021 a small trade office")
    assert not any(t.startswith("The Historian") for t in titles)  # the paragraph's own link
    assert any(d.reason == "card" and d.text.startswith("By ignoring") for d in brief.dropped)


def test_topic_leads_in_a_row_are_stories_and_a_plain_label_is_no_byline():
    titles = [s.title for s in split_text(WEEKEND).stories]
    assert titles[-4:] == [
        "A diet soda",
        "A chile oil sundae",
        "A glass of premium water",
        "One Last Thing",
    ]
