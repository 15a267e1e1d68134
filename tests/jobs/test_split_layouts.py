"""Newsletter templates the corpus lacks, written for these tests: a Beehiiv-style email, a
Sailthru-style table layout, a saved page with its site around it, a Markdown edition of
section labels over bold lead-ins, and a list of headlines alone. Each must give the
stories a reader sees, and one edition must give the same stories in every format."""

from __future__ import annotations

import pytest

from jobs.ingest.split.segment import split_html, split_text
from tests.quality.variants import render

PLATFORM_EMAIL = """<!DOCTYPE html><html><head><title>The Daily Signal: Ports reopen</title></head>
<body>
<div style="display:none;max-height:0;overflow:hidden">Ports reopen after the strike, a vote on
the budget, and a comet.</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="600"><tr><td style="padding:8px;font-size:12px">
<a href="https://signal.test/p/ports?web=1">View in browser</a></td></tr>
<tr><td><a href="https://signal.test/"><img src="https://cdn.test/logo.png" alt="The Daily
Signal"></a></td></tr>
<tr><td style="padding:0 24px"><p>Good morning. Here is what you need to know
today.</p></td></tr>
<tr><td style="padding:0 24px"><h1>Ports reopen after the strike</h1>
<p>Dock workers returned to the East Coast ports on Tuesday after the union and the shipping
lines agreed on a six-year contract that raises wages by 62 percent.</p>
<p>Economists said the backlog of container ships would take weeks to clear and warned that some
shelves could stay empty until next month.</p>
<p><a href="https://signal.test/r/1">Read more</a></p></td></tr>
<tr><td style="padding:0 24px"><table role="presentation"><tr><td
style="background:#f4f4f4;padding:16px">
<p style="font-size:11px;text-transform:uppercase">Together with Acme Cloud</p>
<h2>Ship faster with Acme</h2>
<p>Acme Cloud gives your team one place to build, test and deploy. Start your free trial
today.</p>
<p><a href="https://acme.test/?utm=signal">Try Acme free</a></p></td></tr></table></td></tr>
<tr><td style="padding:0 24px"><h1>Senate passes the budget</h1>
<p>The Senate approved the spending plan by 51 votes to 49 late on Monday, sending it to the
House, where the speaker said a vote could come by Friday.</p>
<p>The plan cuts funding for several agencies and extends tax credits for
families.</p></td></tr>
<tr><td style="padding:0 24px"><h1>A comet brightens the evening sky</h1>
<p>Skywatchers in the Northern Hemisphere can see the comet with binoculars just after sunset
this week, astronomers said, before it fades in early November.</p></td></tr>
<tr><td style="padding:0 24px"><p><a href="https://signal.test/share?fb">Share</a> <a
href="https://signal.test/share?x">Post</a> <a href="https://signal.test/share?li">LinkedIn</a>
<a href="mailto:?x">Email</a></p></td></tr>
<tr><td style="padding:0 24px"><h3>How was today's edition?</h3>
<p><a href="https://signal.test/poll?1">Loved it</a> | <a href="https://signal.test/poll?2">It
was fine</a> | <a href="https://signal.test/poll?3">Not great</a></p></td></tr>
<tr><td style="padding:16px;font-size:11px"><p>You are receiving this email because you
subscribed to The Daily Signal.</p>
<p><a href="https://signal.test/unsub">Unsubscribe</a> | <a
href="https://signal.test/prefs">Update your preferences</a></p>
<p>Powered by beehiiv</p></td></tr>
</table></td></tr></table></body></html>"""


def test_a_platform_email_gives_its_stories_without_the_sponsor_share_bar_poll_or_footer():
    brief = split_html(PLATFORM_EMAIL)
    assert [s.title for s in brief.stories] == [
        "Ports reopen after the strike",
        "Senate passes the budget",
        "A comet brightens the evening sky",
    ]
    text = "\n".join(s.text for s in brief.stories)
    for boilerplate in ("View in browser", "Acme", "Share", "Loved it", "Unsubscribe", "beehiiv"):
        assert boilerplate not in text
    assert any(d.reason == "sponsor" and "Acme" in d.text for d in brief.dropped)
    assert "backlog of container ships" in brief.stories[0].text  # its second paragraph


TABLE_EMAIL = """<html><head><title>Evening Briefing</title></head><body>
<table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td>
<table width="640" align="center"><tr><td class="preheader"
style="font-size:1px;color:#ffffff;display:none">Tonight: a rate cut, floods in the south, and a
record at auction.</td></tr>
<tr><td align="center"><a href="https://news.test/?utm_source=sailthru">Go to news.test</a> | <a
href="https://news.test/email/evening">Read online</a></td></tr>
<tr><td style="font-family:Arial;font-size:13px;color:#666">Wednesday, October 8, 2025</td></tr>
<tr><td><table width="100%"><tr><td
style="font-family:Georgia;font-size:24px;font-weight:bold;padding:12px 0">
<a href="https://news.test/a/rates?utm_source=sailthru"
style="color:#000;text-decoration:none">Central bank cuts rates for the first time in four
years</a></td></tr>
<tr><td style="font-family:Georgia;font-size:16px">The bank lowered its benchmark rate by a
quarter point to 4.75 percent on Wednesday, saying inflation had cooled enough to ease borrowing
costs for households and companies.</td></tr></table></td></tr>
<tr><td><hr style="border:0;border-top:1px solid #ddd"></td></tr>
<tr><td><table width="100%"><tr><td
style="font-family:Georgia;font-size:20px;font-weight:bold;padding:12px 0">
<a href="https://news.test/a/floods?utm_source=sailthru"
style="color:#000;text-decoration:none">Floods force thousands from their homes in the
south</a></td></tr>
<tr><td style="font-family:Georgia;font-size:16px">Rivers burst their banks after three days of
rain, and rescue crews used boats to reach villages cut off by the water, the regional governor
said.</td></tr></table></td></tr>
<tr><td><hr style="border:0;border-top:1px solid #ddd"></td></tr>
<tr><td><table width="100%"><tr><td
style="font-family:Georgia;font-size:20px;font-weight:bold;padding:12px 0">
<a href="https://news.test/a/auction?utm_source=sailthru"
style="color:#000;text-decoration:none">A painting sells for a record price at
auction</a></td></tr>
<tr><td style="font-family:Georgia;font-size:16px">A landscape by a nineteenth-century painter
sold for $48 million in New York, more than twice its estimate, after a bidding war that lasted
twenty minutes.</td></tr></table></td></tr>
<tr><td><hr style="border:0;border-top:1px solid #ddd"></td></tr>
<tr><td style="font-family:Arial;font-size:12px;padding:16px 0"><p>ADVERTISEMENT</p><a
href="https://ads.test/click"><img src="https://ads.test/banner.png"
alt="Advertisement"></a></td></tr>
<tr><td style="font-family:Arial;font-size:11px;color:#666"><p>This email was sent to
reader@example.com. <a href="https://news.test/unsub">Unsubscribe</a> or <a
href="https://news.test/prefs">manage your subscriptions</a>.</p>
<p>News Test Company, 1 Example Plaza, Springfield, 01101</p></td></tr>
</table></td></tr></table></body></html>"""


def test_a_table_layout_gives_each_linked_headline_with_its_summary():
    brief = split_html(TABLE_EMAIL)
    assert [s.title for s in brief.stories] == [
        "Central bank cuts rates for the first time in four years",
        "Floods force thousands from their homes in the south",
        "A painting sells for a record price at auction",
    ]
    assert "4.75 percent" in brief.stories[0].text
    assert "rescue crews used boats" in brief.stories[1].text
    text = "\n".join(s.text for s in brief.stories)
    for boilerplate in ("Read online", "October 8, 2025", "ADVERTISEMENT", "This email was sent"):
        assert boilerplate not in text


SAVED_PAGE = """<!DOCTYPE html><html><head><title>Morning Report, October 8 | News Test</title>
</head><body>
<div class="cookie-banner"><p>We use cookies to improve your experience. <a
href="/cookies">Accept</a> <a href="/cookies/settings">Settings</a></p></div>
<header class="site-header"><a href="/" class="logo">News Test</a>
<nav><ul><li><a href="/world">World</a></li><li><a href="/us">U.S.</a></li><li><a
href="/business">Business</a></li><li><a href="/climate">Climate</a></li></ul></nav>
<a href="/subscribe">Subscribe</a> <a href="/login">Log in</a></header>
<main><article>
<h1>Morning Report: a ceasefire holds, a merger collapses</h1>
<p class="byline">By Jane Reporter and Sam Writer</p>
<p class="dateline">October 8, 2025</p>
<div class="share"><a href="https://facebook.test/sharer">Facebook</a> <a
href="https://x.test/intent">X</a> <a href="mailto:?subject=Morning">Email</a> <a href="#">Copy
link</a></div>
<h2>Ceasefire holds for a third day</h2>
<figure><img src="a.jpg"><figcaption>Residents return to their homes. Photograph: Ann
Photographer/Agency</figcaption></figure>
<p>The truce between the two sides held for a third day on Tuesday, and aid convoys reached the
northern towns for the first time in a month, the United Nations said.</p>
<p>Negotiators are due to meet again on Thursday to discuss the exchange of prisoners.</p>
<h2>Chip merger collapses</h2>
<p>Two of the largest chipmakers called off their $40 billion merger after regulators in three
countries said they would block it, ending an 18-month review.</p>
<aside class="newsletter-signup"><h3>Get the Morning Report in your inbox</h3><p>Sign up for our
free newsletter and start your day informed.</p><p><a href="/newsletters/morning">Sign
up</a></p></aside>
<h2>Heat records fall across the south</h2>
<p>Temperatures passed 40C in a dozen cities on Tuesday, breaking October records that had stood
since the 1950s, and officials opened cooling centres.</p>
</article>
<section class="related"><h2>More from News Test</h2><ul><li><a href="/a">The ten best films of
the year so far</a></li><li><a href="/b">How to read your electricity bill</a></li><li><a
href="/c">Inside the race to build a better battery</a></li></ul></section>
</main>
<footer><p><a href="/about">About us</a> <a href="/careers">Careers</a> <a
href="/privacy">Privacy</a> <a href="/terms">Terms</a></p><p>© 2025 News Test Media. All rights
reserved.</p></footer>
</body></html>"""


def test_a_saved_page_drops_its_cookie_banner_menu_share_bar_signup_box_and_related_links():
    brief = split_html(SAVED_PAGE)
    assert [s.title for s in brief.stories] == [
        "Ceasefire holds for a third day",
        "Chip merger collapses",
        "Heat records fall across the south",
    ]
    assert brief.stories[0].text.endswith("discuss the exchange of prisoners.")
    text = "\n".join(s.text for s in brief.stories)
    for boilerplate in ("cookies", "Business", "Facebook", "Sign up", "ten best films", "Careers"):
        assert boilerplate not in text
    assert "Photograph" not in text and "By Jane Reporter" not in text


LABELLED_EDITION = """---
subject: "The Global Brief: October 8"
---

# The Global Brief: October 8

Good morning. A ceasefire, a strike and an election.

## World

**Ceasefire holds.** The truce held for a third day, and aid reached the northern towns.

**Election called.** The prime minister called a snap election after losing a confidence vote.

**Wildfires spread.** Firefighters battled three blazes in the hills above the capital.

## Business

**Chip merger off.** Two of the largest chipmakers called off their $40 billion merger.

**Strike ends.** Dock workers returned to the ports after the union agreed to a new contract.

## Science

**Comet visible.** Skywatchers can see the comet with binoculars just after sunset this week.

**New antibiotic.** Researchers said a compound from soil bacteria killed drug-resistant germs.

---

*Forwarded this email? [Subscribe here](https://brief.test/subscribe) for more.*

[Unsubscribe](https://brief.test/unsub)
"""

LEAD_INS = [
    "Ceasefire holds.",
    "Election called.",
    "Wildfires spread.",
    "Chip merger off.",
    "Strike ends.",
    "Comet visible.",
    "New antibiotic.",
]


def test_section_labels_over_bold_lead_ins_become_nothing_and_each_lead_in_a_story():
    brief = split_text(LABELLED_EDITION)
    assert [s.title for s in brief.stories] == LEAD_INS
    assert not any(s.title in {"World", "Business", "Science"} for s in brief.stories)
    assert brief.stories[3].text.startswith("Two of the largest chipmakers")
    assert all("Forwarded" not in s.text and "Subscribe" not in s.text for s in brief.stories)


@pytest.mark.parametrize("variant", ["html", "web page", "table email"])
def test_the_same_edition_gives_the_same_stories_as_html_a_web_page_and_a_table_email(variant):
    text, _ = render(LABELLED_EDITION, is_html=False)[variant]
    brief = split_html(text)
    assert [s.title for s in brief.stories] == LEAD_INS
    assert [s.text for s in brief.stories] == [s.text for s in split_text(LABELLED_EDITION).stories]


HEADLINES = """# The Evening Wire

Good evening. Tonight's headlines:

## Top stories

- [Central bank cuts rates for the first time in four years](https://wire.test/1)
- [Floods force thousands from their homes in the south](https://wire.test/2)
- [A painting sells for a record $48 million at auction](https://wire.test/3)
- [Senate passes the budget after a late-night session](https://wire.test/4)
- [Chipmakers call off their $40 billion merger](https://wire.test/5)

## Around the web

- [Why the comet is brighter than astronomers expected](https://other.test/a)
- [The town that learned to live with floods](https://other.test/b)

Thanks for reading. See you tomorrow.
"""


def test_a_list_of_headlines_alone_gives_a_story_per_headline_and_no_label():
    brief = split_text(HEADLINES)
    titles = [s.title for s in brief.stories]
    assert titles[0] == "Central bank cuts rates for the first time in four years"
    assert titles[-1] == "The town that learned to live with floods"
    assert len(titles) == 7
    assert "Top stories" not in titles and "Around the web" not in titles
    assert all(s.text == s.title for s in brief.stories)  # a headline alone is its own text


# Lines ending in a backslash go on in the string: the items under "More news" are one line each.
SOFT_WRAPPED_EDITION = """---
subject: "Morning Edition: The vote"
---

[View in browser](https://daily.test/web) | [Open in app](https://daily.test/app) | \
[Download the PDF](https://daily.test/pdf)

# Morning Edition

By Jane Editor

Good morning. The Senate votes today, a storm heads north and a museum reopens.

## The Senate vote

Senators will vote today on the spending bill that passed the House last week, after two
days of talks between party leaders failed to produce a deal on border funding.

If the bill fails, parts of the government would shut down at midnight on Friday.

[Read the full story](https://daily.test/a/vote)

## Storm heads north

A tropical storm strengthened overnight and is expected to reach the northern coast by
Thursday, forecasters said, bringing heavy rain to cities still recovering from floods.

[See more](https://daily.test/a/storm)

## More news

The central bank held interest rates steady and signalled one cut before the end of the \
year. [Markets](https://daily.test/m)

Parliament in Lisbon approved a law that lets foreign residents vote in local elections. \
[Europe](https://daily.test/e)

A court in Nairobi blocked the sale of the national airline to a private investor. \
[Africa](https://daily.test/af)

Scientists found water ice in a crater near the moon's south pole, the space agency said. \
[Science](https://daily.test/s)

## What did you think of today's newsletter?

[Great](https://daily.test/p/1) | [OK](https://daily.test/p/2) | [Not for \
me](https://daily.test/p/3)

Know someone who would enjoy this? Forward this email to a friend.

See you tomorrow,
Jane

## About us

Morning Edition is written by the news desk of Daily Test, an independent newsroom.
"""


def test_a_soft_wrapped_markdown_edition_keeps_its_paragraphs_and_drops_poll_share_and_about():
    brief = split_text(SOFT_WRAPPED_EDITION)
    titles = [s.title for s in brief.stories]
    assert titles[:2] == ["The Senate vote", "Storm heads north"]
    assert len(titles) == 6  # the four one-paragraph items under "More news" are one each
    assert "More news" not in titles and "See more" not in titles
    assert titles[3].startswith("Parliament in Lisbon approved a law")
    vote = brief.stories[0].text.split("\n\n")
    assert vote[0].endswith("failed to produce a deal on border funding.")  # one paragraph
    assert brief.stories[2].text.endswith("before the end of the year.")  # without "Markets"
    text = "\n".join(s.text for s in brief.stories)
    for boilerplate in (
        "View in browser",
        "PDF",
        "By Jane",
        "Great",
        "Forward",
        "See you",
        "About",
    ):
        assert boilerplate not in text


@pytest.mark.parametrize("variant", ["html", "web page", "table email"])
def test_the_soft_wrapped_edition_gives_the_same_stories_in_html_a_page_and_a_table_email(variant):
    text, _ = render(SOFT_WRAPPED_EDITION, is_html=False)[variant]
    expected = split_text(SOFT_WRAPPED_EDITION).stories
    assert [s.title for s in split_html(text).stories] == [s.title for s in expected]


DAILY_EMAIL = """<html><head><title>First Edition: Budget day</title></head><body>
<table><tr><td><a href="https://x.test/web">View in browser</a></td></tr>
<tr><td><p>Thursday 9 October 2025</p></td></tr>
<tr><td><p>Good morning. It is budget day, and the chancellor has promised no new taxes on
working people.</p></td></tr>
<tr><td><h2>Five big stories</h2>
<ul>
<li><p><strong>Middle East |</strong> Israel and Hamas agreed to the first phase of a ceasefire
deal after talks in Egypt, officials on both sides said.</p></li>
<li><p><strong>Energy |</strong> Household energy bills will rise by 2% in January after the
regulator raised its price cap for the winter.</p></li>
<li><p><strong>Health |</strong> Resident doctors in England will strike for five days next
month after pay talks with the government collapsed.</p></li>
<li><p><strong>Crime |</strong> Two men were charged with murder after a stabbing outside a
school in Leeds on Tuesday evening.</p></li>
<li><p><strong>Climate |</strong> The Amazon lost less forest this year than in any year since
records began, Brazil's space agency said.</p></li>
</ul></td></tr>
<tr><td><h2>In depth: What to expect from the budget</h2>
<p>by Jane Writer, economics correspondent</p>
<p>The chancellor will stand up in the Commons at 12.30pm with a gap of about £30bn to fill, and
most economists expect a mix of tax rises and spending restraint.</p>
<p>Treasury officials have spent weeks modelling changes to income tax thresholds, which would
raise money without touching headline rates.</p>
<p><a href="https://x.test/budget">Read the full story</a></p></td></tr>
<tr><td><h2>What else we've been reading</h2>
<ul>
<li><a href="https://x.test/r1">Why the world's oldest tree is in trouble</a>, by Sam Roe. A
bristlecone pine in California is dying of a beetle infestation, and scientists are trying to
save it.</li>
<li><a href="https://x.test/r2">The decline of the British pub</a>, by Ann Lee. More than 400
pubs closed in the first half of the year as costs rose and drinkers stayed home.</li>
</ul></td></tr>
<tr><td><h2>Today in Focus</h2>
<p>Our podcast asks whether the ceasefire can hold. <a href="https://x.test/pod">Listen
now</a></p></td></tr>
<tr><td><p>Sign up to First Edition, our free daily newsletter.</p>
<p>You are receiving this email because you subscribed. <a
href="https://x.test/u">Unsubscribe</a></p>
<p>Guardian News &amp; Media Limited, Kings Place, 90 York Way, London, N1
9GU</p></td></tr></table>
</body></html>"""


def test_a_daily_email_gives_list_items_link_notes_and_its_feature_without_byline_or_podcast():
    brief = split_html(DAILY_EMAIL)
    titles = [s.title for s in brief.stories]
    assert len(titles) == 8  # five list items, the feature, two reading notes
    assert titles[0].startswith("Middle East | Israel and Hamas agreed")
    assert titles[5] == "In depth: What to expect from the budget"
    assert brief.stories[5].text.startswith("The chancellor will stand up")  # no byline
    assert titles[6].startswith("Why the world's oldest tree is in trouble")
    assert not any("podcast" in s.text or "Unsubscribe" in s.text for s in brief.stories)


POINTS_EDITION = """# Axios-like AM

Good morning! Today's newsletter is 1,200 words, a 4-minute read.

## 1 big thing: Chips race heats up

The U.S. will limit exports of advanced chips to a dozen more countries, the Commerce \
Department said Wednesday.

**Why it matters:** The move widens the fight over who gets the hardware that trains the \
most powerful AI models.

**Zoom in:** Companies will need a license to ship chips above a performance threshold.

- The rule takes effect in 60 days.
- Allies are exempt.

**The other side:** Chipmakers warned the rule would cost them billions in lost sales.

[Go deeper](https://x.test/deeper)

## 2. Catch up quick

- **Fed:** The central bank held rates steady and signalled two cuts before the end of \
next year.
- **Ukraine:** Russia launched its largest drone attack of the war overnight, officials \
in Kyiv said.
- **Boeing:** Machinists voted to end a seven-week strike that halted production of its \
best-selling jet.

## 3. Storm heads for Florida

A hurricane is expected to make landfall on Florida's west coast on Thursday, forecasters said.

**What's next:** Evacuation orders cover more than a million people.

📬 **Thanks for reading!** Forward this to a friend. [Sign up here](https://x.test/signup).
"""


def test_an_edition_of_points_keeps_each_story_s_points_and_splits_its_catch_up_list():
    brief = split_text(POINTS_EDITION)
    assert [s.title for s in brief.stories] == [
        "1 big thing: Chips race heats up",
        "Fed",
        "Ukraine",
        "Boeing",
        "3. Storm heads for Florida",
    ]
    chips = brief.stories[0].text
    assert (
        "Why it matters:" in chips and "The other side:" in chips and "Allies are exempt" in chips
    )
    assert "Go deeper" not in chips
    assert all("Forward" not in s.text and "Sign up" not in s.text for s in brief.stories)


NUMBERED_PAGE = """<!DOCTYPE html><html><head>
<title>The Morning Briefing: Five things to start your day - Daily
Test</title></head><body>
<a href="#main" class="skip">Skip to main content</a>
<div class="topbar"><a href="/">Daily Test</a> <a href="/account">My account</a> <a
href="/subscribe">Subscribe for $1</a></div>
<div id="main"><article>
<header><h1>The Morning Briefing: Five things to start your day</h1>
<div class="meta"><span>By <a href="/by/ann">Ann Lee</a></span> <time>Updated 6:02 a.m. ET,
October 9, 2025</time></div></header>
<p>Good morning. Here's what's happening.</p>
<h2>1. Ceasefire deal signed</h2>
<p>Israel and Hamas signed the first phase of a ceasefire agreement in Egypt, mediators said,
opening the way for the release of hostages within days.</p>
<div class="ad"><p>Advertisement</p></div>
<p>The deal calls for Israeli troops to pull back to agreed lines within 24 hours.</p>
<p class="inline-more">Story continues below advertisement</p>
<h2>2. Shutdown enters second week</h2>
<p>The federal government shutdown entered its second week with no talks scheduled, and agencies
began furloughing more workers.</p>
<aside class="recommended"><h3>Recommended</h3><ul><li><a href="/a">How the shutdown affects
you</a></li><li><a href="/b">What is still open</a></li></ul></aside>
<h2>3. Nobel prize in literature</h2>
<p>The Swedish Academy awarded the Nobel Prize in Literature to a Hungarian novelist known for
long, dark sentences.</p>
<h2>4. Stocks at records</h2>
<p>The S&amp;P 500 closed at a record for the third day in a row as investors bet on lower
interest rates.</p>
<h2>5. A rescue in the Alps</h2>
<p>Rescuers reached six climbers stranded for two days on a glacier after a storm cut off their
route down.</p>
<div class="author-bio"><p>Ann Lee is a reporter for Daily Test covering breaking
news.</p></div>
<div class="share-tools"><a href="#">Share</a> <a href="#">Save</a> <a href="#">Gift
article</a></div>
</article>
<aside class="most-read"><h2>Most Read</h2><ol><li><a href="/1">A viral photo and the truth
behind it</a></li><li><a href="/2">The best fall hikes near the city</a></li><li><a
href="/3">Why eggs are expensive again</a></li></ol></aside>
</div>
<footer><p><a href="/terms">Terms of Use</a> | <a href="/privacy">Privacy Policy</a> | <a
href="/ads">Ad Choices</a></p><p>© 2025 Daily Test Company</p></footer>
</body></html>"""


def test_a_saved_page_of_numbered_items_drops_its_ad_slots_widgets_bio_and_most_read():
    brief = split_html(NUMBERED_PAGE)
    assert [s.title for s in brief.stories] == [
        "1. Ceasefire deal signed",
        "2. Shutdown enters second week",
        "3. Nobel prize in literature",
        "4. Stocks at records",
        "5. A rescue in the Alps",
    ]
    assert brief.stories[0].text.endswith("pull back to agreed lines within 24 hours.")
    text = "\n".join(s.text for s in brief.stories)
    for boilerplate in ("Advertisement", "Recommended", "is a reporter", "Gift", "viral photo"):
        assert boilerplate not in text


CLIPPED_PAGE = """[Skip to content](#main)

- [Home](https://daily.test/)
- [World](https://daily.test/world)
- [Politics](https://daily.test/politics)
- [Business](https://daily.test/business)

# Evening Digest: Markets rally, storm weakens

By [Sam Roe](https://daily.test/by/sam) · October 9, 2025

[Share](https://daily.test/share) [Save](https://daily.test/save)

## Markets rally on rate hopes

Stocks rose across Europe and Asia after minutes from the central bank's last meeting \
showed officials open to more cuts.

## Storm weakens before landfall

The storm weakened to a tropical depression before reaching the coast, sparing the region \
the worst of its winds.

Related: [What to do before a storm](https://daily.test/storm-tips)

## Museum reopens after five years

The city museum reopened after a five-year renovation that added two floors and a roof garden.

---

© 2025 Daily Test. [Privacy](https://daily.test/privacy) · [Terms](https://daily.test/terms)
"""


def test_a_page_saved_as_markdown_is_titled_by_its_heading_not_its_skip_link_or_menu():
    brief = split_text(CLIPPED_PAGE)
    assert brief.title == "Evening Digest: Markets rally, storm weakens"
    assert [s.title for s in brief.stories] == [
        "Markets rally on rate hopes",
        "Storm weakens before landfall",
        "Museum reopens after five years",
    ]
    assert all("Share" not in s.text and "Related" not in s.text for s in brief.stories)


FRENCH_EMAIL = """<html><head><title>La lettre du matin</title></head><body>
<p><a href="https://x.test/web">Voir la version en ligne</a></p>
<p>Bonjour, voici l'essentiel de l'actualité de ce jeudi.</p>
<h2>Le gouvernement présente son budget</h2>
<p>Le premier ministre a présenté mercredi un budget qui prévoit 40 milliards d'euros
d'économies, dont une grande partie sur les dépenses de l'Etat.</p>
<p>Les partis d'opposition ont annoncé qu'ils déposeraient une motion de censure.</p>
<p><a href="https://x.test/lire">Lire aussi : Ce que contient le budget</a></p>
<h2>Grève dans les transports</h2>
<p>La SNCF prévoit un trafic très perturbé jeudi et vendredi en raison d'un mouvement social
contre la réforme des retraites.</p>
<p><a href="https://x.test/suite">Lire la suite</a></p>
<p>Publicité</p>
<p>Découvrez notre offre d'abonnement : 1 € le premier mois. <a href="https://x.test/abo">Je
m'abonne</a></p>
<h2>Le chiffre du jour</h2>
<p>12 % : c'est la hausse du prix de l'électricité prévue au 1er février, selon la Commission de
régulation de l'énergie.</p>
<p>Bonne journée à tous,</p>
<p>La rédaction</p>
<p>Vous recevez cette lettre car vous êtes inscrit à la newsletter. <a
href="https://x.test/u">Se désinscrire</a></p>
</body></html>"""


def test_a_french_letter_loses_its_see_also_link_ad_sign_off_and_footer():
    brief = split_html(FRENCH_EMAIL)
    assert [s.title for s in brief.stories] == [
        "Le gouvernement présente son budget",
        "Grève dans les transports",
        "Le chiffre du jour",
    ]
    text = "\n".join(s.text for s in brief.stories)
    for boilerplate in ("Lire aussi", "Lire la suite", "abonnement", "Bonne journée", "rédaction"):
        assert boilerplate not in text


CATEGORY_EDITION = """# The Briefing

Good morning. Here is the news.

## World

Israel and Hamas signed the first phase of a ceasefire agreement in Egypt on Thursday, \
mediators said, opening the way for hostages to be released within days.

Japan's governing party chose a new leader, who is expected to become the country's first \
female prime minister when parliament votes next week.

Protesters in Madagascar forced the president to dissolve the government after a week of \
demonstrations over water and power cuts in the capital.

## Business

Oil prices fell for a third day as producers agreed to raise output again in November, \
pushing crude to its lowest level since the spring.

A chip designer agreed to buy a rival for $35 billion in cash and stock, the largest deal \
in the industry this year, the companies said.
"""


@pytest.mark.parametrize("variant", ["markdown", "html", "table email"])
def test_category_labels_over_one_paragraph_news_give_each_paragraph_as_a_story(variant):
    text, _ = render(CATEGORY_EDITION, is_html=False)[variant]
    brief = split_text(text) if variant == "markdown" else split_html(text)
    titles = [s.title for s in brief.stories]
    assert len(titles) == 5
    assert "World" not in titles and "Business" not in titles
    assert titles[1].startswith("Japan's governing party chose a new leader")
    assert brief.stories[4].text.startswith("A chip designer agreed to buy a rival")
