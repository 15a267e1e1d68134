"""Splitting numbered briefs: the unnumbered sections around the numbered stories."""

from __future__ import annotations

from jobs.ingest.split.segment import split_html, split_text

NUMBERED = """# Grid notes

↓↓11Storage plant opens

The country's largest storage plant opened on Monday, pumping water uphill at night and
releasing it by day, the operator said in a statement to investors.

↓↓22Refinery sold

A coastal refinery was sold to a trading house for two billion dollars after a long
auction that drew five bidders from three continents.

↓↓Quick takesQuick takes

Wind Power

Offshore wind auctions drew record bids in the north, officials said on Tuesday.

Fossil Fuels

Two pipeline operators agreed to merge their northern networks by next spring.

Politics & Policy

Lawmakers passed a bill that speeds up permits for new transmission lines.

↓↓SpotlightSpotlight

The News: the central bank held rates steady for a third month. →
"""


def test_category_labels_under_a_section_label_each_start_a_story():
    brief = split_text(NUMBERED)
    titles = [s.title for s in brief.stories]
    assert titles == [
        "Storage plant opens",
        "Refinery sold",
        "Wind Power",
        "Fossil Fuels",
        "Politics & Policy",
    ]
    assert brief.stories[3].text.startswith("Two pipeline operators agreed")


def test_a_category_label_is_not_mistaken_for_an_authors_name():
    brief = split_text(NUMBERED)
    assert "Wind Power" not in [d.text for d in brief.dropped]
    assert "Offshore wind auctions" in brief.stories[2].text


def test_a_name_under_each_headline_is_still_a_byline():
    text = """# Weekly notes

City council passes budget

Jane Porter

The council passed its budget on Tuesday after a long night of debate over transit.

Port strike ends

Mark Ellis

Dock workers returned to work after a deal on wages was reached late on Sunday.
"""
    brief = split_text(text)
    assert [s.title for s in brief.stories] == ["City council passes budget", "Port strike ends"]
    assert not any("Jane Porter" in s.text or "Mark Ellis" in s.text for s in brief.stories)


def test_an_item_closed_by_its_source_link_is_not_the_summary_of_a_bare_headline():
    lines = [
        "# Links for Tuesday",
        "[Lighthouse keepers of the north](https://example.org/a) tells of the last keepers"
        " and the lamps they tended for forty years.[ example.org](https://example.org/a)",
        "[Night trains return](https://example.net/trains) [ example.net](https://example.net/t)",
        "I loved this [short film](https://video.example.com/x) about how a bookbinder restores"
        " old atlases by hand.[ video.example.com](https://video.example.com/x)",
    ]
    brief = split_text("\n\n".join(lines))
    assert len(brief.stories) == 3
    assert brief.stories[0].text.startswith("Lighthouse keepers of the north tells")
    assert brief.stories[1].title == "Night trains return"
    assert brief.stories[2].text.startswith("I loved this short film")
    assert not any("example" in s.title for s in brief.stories)


ITEMS_WITH_FIELDS = """<title>Research radar</title>
<h2>Editorial: agents ship</h2>
<p>This week in AI felt less like another cycle of model launches and more like a shift.</p>
<h2>Papers</h2>
<h3><a href="https://x.test/a">Decoupled training for resilient pre-training</a></h3>
<p><strong>AI Lab:</strong> Example Research</p>
<p><strong>Summary:</strong> This paper introduces a framework that keeps training alive.</p>
<h3><a href="https://x.test/b">A benchmark for agent skills</a></h3>
<p><strong>AI Lab:</strong> Example University</p>
<p><strong>Summary:</strong> The authors present the first benchmark of its kind for agents.</p>
<h2>3 AI News You Need to Know About</h2>
<p>A rocket company preempted a coding startup's funding round with a larger offer.</p>
<p>An outsourcing firm and a model maker announced a strategic collaboration on agents.</p>
<p>A cloud provider committed billions to new data centers in Australia by 2029.</p>"""


def test_lead_ins_every_item_repeats_are_its_fields_not_stories_of_their_own():
    brief = split_html(ITEMS_WITH_FIELDS)
    titles = [s.title for s in brief.stories]
    assert "Summary" not in titles and "AI Lab" not in titles
    paper = next(s for s in brief.stories if s.title.startswith("Decoupled"))
    assert "Example Research" in paper.text and "keeps training alive" in paper.text


def test_a_heading_that_counts_its_items_is_a_label_over_that_many_stories():
    brief = split_html(ITEMS_WITH_FIELDS)
    assert len(brief.stories) == 6
    assert brief.stories[3].text.startswith("A rocket company")
    assert brief.stories[5].text.startswith("A cloud provider")
    assert any(d.reason == "label" and d.text.startswith("3 AI News") for d in brief.dropped)


def test_bullets_that_sum_up_the_story_below_them_stay_in_that_story():
    html = """<title>Dam failure</title><h2>A dam gives way after days of rain</h2>
<ul><li>The dam on the upper river failed early on Tuesday after four days of rain.</li>
<li>Villages downstream were evacuated overnight and no one is reported missing.</li>
<li>Engineers had warned last year that the spillway needed urgent repairs.</li></ul>
<p>The regional governor said the water had reached the first houses within an hour.</p>
<p>Rescue teams in boats were checking homes along the valley on Tuesday afternoon.</p>
<h2>Markets</h2><p>Shares in the region's biggest insurer fell sharply in early trading.</p>"""
    brief = split_html(html)
    assert [s.title for s in brief.stories] == ["A dam gives way after days of rain", "Markets"]
    assert "Engineers had warned" in brief.stories[0].text


def test_a_headline_that_opens_with_a_number_is_no_count_of_stories():
    html = """<title>Evening</title><h2>Three killed as storm hits the coast</h2>
<p>Three people died when a storm brought down trees across the coastal towns overnight.</p>
<p>Power was cut to thousands of homes, and the main road north stayed closed on Tuesday.</p>
<p>Forecasters expect the wind to ease by Wednesday morning, the weather service said.</p>
<h2>Rates held</h2><p>The central bank kept its key rate unchanged, citing inflation.</p>"""
    assert [s.title for s in split_html(html).stories] == [
        "Three killed as storm hits the coast",
        "Rates held",
    ]


POINTS_HTML = """<html><head><title>Axios-like AM</title></head><body>
<p>Good morning! Today's newsletter is 1,200 words, a 5-minute read.</p>
<h1>1 big thing: The chip race heats up</h1>
<p>Chipmakers are racing to build plants at home as governments pour money into the
industry.</p>
<p><strong>Why it matters:</strong> The plants decide who controls the supply of the most
advanced chips for a decade.</p>
<p><strong>Driving the news:</strong> Two companies announced new plants in Arizona and Ohio on
Monday.</p>
<p><strong>The big picture:</strong> Asia still makes most of the world's chips.</p>
<h1>2. Senate passes the budget</h1>
<p>The Senate passed the budget by 51 votes to 49 after an all-night session.</p>
<p><strong>Why it matters:</strong> It avoids a shutdown at the end of the week.</p>
<h1>3. Heat wave in Europe</h1>
<p>Temperatures passed 40C in Spain and Italy, and officials warned of wildfires.</p>
<p><strong>Between the lines:</strong> Hospitals are preparing for a rise in admissions.</p>
<h1>A message from Acme</h1>
<p>Acme helps teams ship faster. Learn more.</p>
<p>📬 Thanks for reading! Did a friend send you this? <a href="#">Sign up here</a>.</p>
</body></html>"""


def test_label_lead_ins_inside_headed_stories_are_their_points_not_new_stories():
    brief = split_html(POINTS_HTML)
    assert [s.title for s in brief.stories] == [
        "1 big thing: The chip race heats up",
        "2. Senate passes the budget",
        "3. Heat wave in Europe",
    ]
    assert "Driving the news: Two companies" in brief.stories[0].text
    assert all("Acme" not in s.text for s in brief.stories)


PLAYBOOK = """# Playbook: The budget fight

Good Tuesday morning. This is the Playbook.

**DRIVING THE DAY** — The Senate will vote on the budget at noon, and leaders say they have
the votes after a weekend of talks with holdouts in both parties.

**WHAT WE'RE WATCHING** — Whether the president signs the bill tonight or waits until after
his trip abroad, which aides say is still undecided.

**[Governor announces run for Senate](https://example.com/gov)**

The governor said on Monday that she would run for the open seat, setting up a primary
against a sitting congressman.

**[Court blocks new voting rules](https://example.com/court)**

A federal judge blocked the state's new voting rules, saying they would keep thousands of
eligible voters from the polls.

**Advertisement**

**Sponsored by Acme:** Acme powers the grid of tomorrow. Learn more at acme.example.

**BIRTHDAYS:** A senator, a governor and two former cabinet secretaries.

*Edited by Jane Doe.* Subscribe to Playbook [here](https://example.com/sub)."""


def test_a_bold_label_lead_titles_its_story_and_a_sponsored_lead_is_an_ad():
    brief = split_text(PLAYBOOK)
    titles = [s.title for s in brief.stories]
    assert titles[:4] == [
        "DRIVING THE DAY",
        "WHAT WE'RE WATCHING",
        "Governor announces run for Senate",
        "Court blocks new voting rules",
    ]
    assert brief.summary == "Good Tuesday morning. This is the Playbook."
    assert all("Acme" not in s.text for s in brief.stories)


CLOSING = """# Harbor notes

↓↓11Ferry line resumes

The ferry line between the two islands resumed service on Monday after a month of repairs
to its landing, the operator said, with four crossings a day until the summer timetable.
Islanders had relied on a chartered boat that ran twice a day and carried no cars.

↓↓22Port fees rise

The port authority raised its fees for cargo ships by a tenth, citing the cost of dredging
the main channel, and said the money would fund a new container crane by next year.
Shipping lines said they would pass the cost on to importers within weeks.

↓↓Worth SeeingWorth Seeing

An exhibition of ship models opens at the maritime museum this week, with two hundred
pieces from private collections and a gallery of paintings of the old harbor as it was a
century ago, when sailing barges still carried grain upriver. Buy tickets here.

↓↓Reading RoomReading Room

Sea walls and cities. A long essay on how coastal towns pay for their sea walls argues that
the bill falls on renters rather than owners, because owners sell before the next storm
and renters stay. The essayist walks through three towns that raised levies, one that
borrowed, and one that did nothing and watched its beach disappear over a decade. The
better answer, the essay says, is a levy tied to the value of land near the water, paid
every year and kept in a fund that only the town's engineers can draw on when a wall needs
repair. Nobody likes a new levy, it admits, but a town that waits pays twice: once for the
damage and once again for the wall it should have built before the damage. Readers wrote
in with their own towns' stories, and a few of them are worth a look this weekend.— Ann Lee

↓↓Tide TableTide Table

Tugboat crews at the northern terminal walked off the job on Thursday, halting the berthing
of three tankers, after talks over night shifts broke down, their union said. The terminal's
operator said it had asked the labor board to step in and that it expected the first tanker
to dock by Saturday with crews brought in from the southern terminal. Shipping agents warned
that a strike lasting into next week would delay fuel deliveries to the islands, where
stocks cover about ten days, and the island council said it had begun talks with a second
supplier. The union asked for two crews on every night shift instead of one, saying the
terminal's traffic has doubled in five years while its staff has not grown at all. The
operator said it would agree to a second crew on the busiest nights but not on every night
of the week, and both sides are due back at the table on Monday.

↓↓SpotlightSpotlight

The News: the harbor master retires after thirty years. →
"""


def test_a_closing_column_of_a_storys_length_is_a_story_and_the_closing_extras_are_not():
    stories = split_text(CLOSING).stories
    expected = ["Ferry line resumes", "Port fees rise", "Tide Table"]
    assert [s.title for s in stories] == expected
    assert stories[2].text.startswith("Tugboat crews at the northern terminal")
    text = " ".join(s.text for s in stories)
    assert "ship models" not in text  # a short pitch
    assert "sea walls" not in text  # a signed note on an essay, not reporting
