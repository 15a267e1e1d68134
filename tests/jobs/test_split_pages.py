"""Splitting email and web-page editions: publishers' templates, saved pages, other languages."""

from __future__ import annotations

from jobs.ingest.split.segment import split_html


def test_an_item_about_the_house_s_own_show_before_its_listen_now_line_is_no_story():
    html = """<title>Media notes</title><h2>Markets steady</h2>
<p>Stocks held their gains on Monday as investors waited for the central bank's decision.</p>
<h2>The host on ‘Mixed Signals’</h2>
<p>On this week's Mixed Signals, the host talks about the future of sports media.</p>
<p>Listen to the latest Mixed Signals now. →</p>
<h2>Listening religiously</h2>
<p>About 45% of Americans say they listen to religious audio content each week.</p>"""
    brief = split_html(html)
    assert [s.title for s in brief.stories] == ["Markets steady", "Listening religiously"]
    assert any(d.reason == "promo" and "Mixed Signals" in d.text for d in brief.dropped)


MORNING_HTML = """<html><head><title>The Morning: A trade truce</title></head><body>
<table><tr><td><a href="https://x.test/web">View in browser</a> | <a
href="https://x.test/app">Open in app</a></td></tr></table>
<table><tr><td><p>Good morning. We’re covering the trade truce, a court ruling and the
weather.</p></td></tr></table>
<table><tr><td><p>By Jane Writer</p></td></tr></table>
<table><tr><td><h2>A pause in the trade war</h2>
<p>The United States and China agreed on Tuesday to suspend most of the tariffs they imposed
this spring, a 90-day truce that sent stocks sharply higher around the world.</p>
<p>The deal lowers American duties on Chinese goods to 30 percent, from 145 percent, officials
said after two days of talks in Geneva.</p>
<p><a href="https://x.test/read">Read the full story</a></p></td></tr></table>
<table><tr><td><h2>The latest news</h2>
<ul>
<li><a href="https://x.test/1">Supreme Court</a>: The justices agreed to hear a challenge to the
president’s firing of an agency head.</li>
<li><a href="https://x.test/2">Storms</a>: Tornadoes killed at least 20 people across Kentucky
and Missouri over the weekend.</li>
<li><a href="https://x.test/3">Gaza</a>: Israel said it would let a limited amount of food into
the territory after weeks of pressure.</li>
<li><a href="https://x.test/4">Pope</a>: Leo XIV held his first audience with journalists and
called for the release of jailed reporters.</li>
</ul></td></tr></table>
<table><tr><td><h2>Opinions</h2>
<p><a href="https://x.test/o1">Tariffs were always a tax on Americans</a>, Paul Economist
writes.</p>
<p><a href="https://x.test/o2">The court should not rush this case</a>, Ann Lawyer argues.</p>
</td></tr></table>
<table><tr><td><p><strong>Sponsored</strong></p><p>Try our new app today and get 50% off your
first month. Learn more.</p></td></tr></table>
<table><tr><td><h2>Morning reads</h2>
<p>A beekeeper in Vermont has spent 40 years breeding bees that survive the winter without help,
and scientists are finally paying attention to his methods.</p></td></tr></table>
<table><tr><td><p>Thanks for spending part of your morning with us. See you tomorrow. — Jane</p>
<p>You received this email because you signed up for The Morning. <a
href="https://x.test/u">Unsubscribe</a></p>
<p>Example Media Company, 620 Eighth Avenue, New York, NY 10018</p></td></tr></table>
</body></html>"""


def test_an_email_briefing_gives_its_lead_its_news_list_and_its_link_notes_as_stories():
    brief = split_html(MORNING_HTML)
    assert [s.title for s in brief.stories] == [
        "A pause in the trade war",
        "Supreme Court",
        "Storms",
        "Gaza",
        "Pope",
        "Tariffs were always a tax on Americans, Paul Economist writes",
        "The court should not rush this case, Ann Lawyer argues",
        "Morning reads",
    ]
    assert all("50% off" not in s.text and "Thanks for" not in s.text for s in brief.stories)
    assert any(d.reason == "label" and d.text == "The latest news" for d in brief.dropped)


PAGE_HTML = """<!DOCTYPE html><html><head><title>Morning briefing: what we know on day 400 | Example
News</title></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a
href="/politics">Politics</a></li><li><a href="/business">Business</a></li><li><a
href="/sport">Sport</a></li></ul></nav>
<a href="/subscribe">Subscribe</a> <a href="/login">Sign in</a></header>
<main><article>
<h1>Morning briefing: what we know on day 400</h1>
<p class="byline">By <a href="/a">Sam Reporter</a></p>
<p><time>Tue 14 Jan 2026 06.00 GMT</time></p>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> <a
href="#">Share via Email</a></div>
<ul>
<li><p><strong>Russia launched its largest drone attack in weeks overnight</strong>, officials
said, knocking out power to hundreds of thousands of homes in three regions.</p></li>
<li><p><strong>The president said talks would resume in Geneva next week</strong>, after a call
with his counterpart that lasted more than two hours.</p></li>
<li><p><strong>Parliament approved a new mobilisation law</strong> lowering the age of
conscription to 23, in a vote that split the governing party.</p></li>
<li><p><strong>The EU agreed a further €50bn in aid</strong>, to be paid over four years and
tied to reforms of the courts and the customs service.</p></li>
</ul>
<figure><img src="x.jpg"><figcaption>Rescuers at the site of a strike. Photograph: Jane
Doe/Reuters</figcaption></figure>
</article></main>
<aside><h2>Most viewed</h2><ol><li><a href="/1">Celebrity does a thing</a></li><li><a
href="/2">Ten recipes for winter</a></li><li><a href="/3">Football club sacks
manager</a></li></ol></aside>
<footer><p>© 2026 Example News Ltd. All rights reserved.</p><ul><li><a href="/privacy">Privacy
policy</a></li><li><a href="/terms">Terms</a></li><li><a href="/contact">Contact
us</a></li></ul></footer>
</body></html>"""


def test_a_saved_briefing_page_keeps_its_bullets_and_drops_its_site_around_them():
    brief = split_html(PAGE_HTML)
    assert [s.title for s in brief.stories] == [
        "Russia launched its largest drone attack in weeks overnight",
        "The president said talks would resume in Geneva next week",
        "Parliament approved a new mobilisation law",
        "The EU agreed a further €50bn in aid",
    ]
    reasons = {d.text: d.reason for d in brief.dropped}
    assert reasons["Home"] == "navigation" and reasons["Privacy policy"] == "footer"
    assert all("Celebrity" not in s.text and "Photograph" not in s.text for s in brief.stories)


def test_an_email_s_headings_bold_by_style_start_its_stories():
    html = """<title>Evening notes</title><table>
<tr><td style="font-family:Georgia;font-weight:700;font-size:22px">Rates held</td></tr>
<tr><td>The central bank kept its key rate unchanged on Tuesday, citing inflation.</td></tr>
<tr><td style="font-weight: bold">Storm reaches the coast</td></tr>
<tr><td>A storm made landfall overnight, cutting power to thousands of homes.</td></tr>
<tr><td><span style="display:block;font-size:0;max-height:0;mso-hide:all">Preview</span></td></tr>
</table>"""
    brief = split_html(html)
    assert [s.title for s in brief.stories] == ["Rates held", "Storm reaches the coast"]
    assert all("Preview" not in s.text for s in brief.stories)


GERMAN_HTML = """<html><head><title>Die Lage am Morgen</title></head><body>
<p><a href="#">Im Browser ansehen</a></p>
<p>Guten Morgen, liebe Leserinnen und Leser,</p>
<h2>Die Koalition streitet über den Haushalt</h2>
<p>Die Regierung hat sich in der Nacht nicht auf einen Haushalt für das kommende Jahr
einigen können, wie mehrere Teilnehmer berichteten.</p>
<p>Der Finanzminister will am Mittwoch einen neuen Vorschlag vorlegen.</p>
<p><a href="#">Hier lesen Sie mehr</a></p>
<h2>Streik bei der Bahn</h2>
<p>Die Lokführer streiken ab Donnerstag für drei Tage, der Fernverkehr soll weitgehend
ausfallen.</p>
<h2>Anzeige</h2>
<p>Jetzt testen: vier Wochen lesen für nur einen Euro.</p>
<p>Ich wünsche Ihnen einen guten Tag.</p>
<p>Herzlich,<br>Ihre Anna Muster</p>
<p>Sie erhalten diesen Newsletter, weil Sie sich angemeldet haben. <a href="#">Abmelden</a></p>
<p>Impressum</p>
</body></html>"""


def test_a_german_briefing_loses_its_read_more_ad_sign_off_and_footer():
    brief = split_html(GERMAN_HTML)
    assert [s.title for s in brief.stories] == [
        "Die Koalition streitet über den Haushalt",
        "Streik bei der Bahn",
    ]
    assert brief.summary == "Guten Morgen, liebe Leserinnen und Leser,"
    assert {d.reason for d in brief.dropped if "Abmelden" in d.text} == {"footer"}
