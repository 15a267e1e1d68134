"""What a newsletter's parts look like: the patterns the splitter recognises.

Each predicate answers one question about one block of text ("is this a
photo credit?", "does this paragraph open with a lead-in?"). They are
deliberately about newsletters in general (captions, bios, promos, footers),
not about any one publisher.
"""

from __future__ import annotations

import re

_Q = "’'"  # apostrophes as they appear in real newsletters

INTRO = re.compile(
    rf"^(?:Welcome (?:back )?to\b|Good (?:\w+ )?(?:morning|afternoon|evening)\b|Hello\b|Hi,? |"
    r"Happy (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|"
    rf"In today[{_Q}]s (?:newsletter|edition|brief)|Today in\b|"
    # the same greeting in the other languages of European briefings
    r"Guten (?:Morgen|Tag|Abend)\b|Liebe Leserinnen\b|Bonjour\b|Chers lecteurs\b|"
    r"Buenos d[ií]as\b|Buongiorno\b|Goedemorgen\b|Bom dia\b)",
    re.I,
)
FOOTER = re.compile(
    r"^(?:Join the conversation|Thanks? (?:you )?for (?:reading|spending|joining)\b|"
    rf"You[{_Q}]re receiving this|"
    rf"You (?:received|are receiving) this|This (?:email|message|newsletter) was sent to\b|"
    rf"Was this email forwarded|Manage your preferences|You[{_Q}]re on the free list\b|"
    r"Stop getting this (?:newsletter|email)|Change your email\b|"
    r"[^.]{1,60}\bis a (?:registered )?trademark of\b|"
    rf"Unsubscribe|You are reading a plain text version|Follow us$|Copyright\b|©|"
    rf"This (?:post|email|issue) is (?:only )?for (?:paying|paid) subscribers|"
    rf"This has been (?:the|today[{_Q}]s|this week[{_Q}]s)\b.{{0,40}}\bnewsletter|"
    rf"That[{_Q}]s (?:all|it) for (?:today|this week|now)\b|"
    # a letter's sign-off: "Much love to you and yours,", "Have a wonderful weekend, all."
    r"(?:(?:With |Much |All my )?love|Best(?: wishes)?|Cheers|(?:Warm(?:est)?|Kind) regards|"
    r"See you (?:tomorrow|soon|next \w+|on \w+)|Until tomorrow|"
    r"Regards|Sincerely|Yours|Herzlich(?:e Grüße)?|(?:Viele|Beste|Liebe) Grüße|Cordialement|"
    r"Bien à vous|Amitiés|(?:Un )?[Ss]aludos?|Cordiali saluti|Met vriendelijke groet)"
    r"\b[^.!?\n]{0,30},(?:\s+[\w.’'-]+){0,4}$|"
    r"(?:Have a (?:wonderful|great|good|nice|lovely) (?:weekend|week|day)|Until next "
    r"(?:time|week)|Bonne (?:journée|soirée|lecture|semaine)|(?:Einen )?[Ss]chönen (?:Tag|Abend)|"
    r"Buen(?:a jornada| fin de semana)|Buona (?:giornata|lettura)|Fijne (?:dag|avond))"
    r"\b[^.!?\n]{0,20}[.!,]?$|Forwarded this (?:message|email)\b|"
    # the footer in the other languages of European briefings: "Sie erhalten diesen
    # Newsletter, weil…", "Vous recevez cette lettre…", "Se désinscrire", "Abmelden"
    r"Sie erhalten diese[nrs]? (?:Newsletter|E-Mail)|Newsletter abbestellen|Abmelden$|Impressum$|"
    r"Vous recevez (?:cette|ce)\b|Se d[ée]sinscrire|Pour vous d[ée]sinscrire|"
    r"Has recibido este|Darse de baja|Cancelar (?:la )?suscripci[oó]n|Hai ricevuto questa|"
    r"Disiscriviti|Cancella l[’']iscrizione|U ontvangt deze|Afmelden$|"
    # a publisher's postal address: "Example Media Ltd., 3rd Floor, 18 High Street, London"
    rf"[\w .&’'-]{{2,60}}\b(?:Ltd|Inc|LLC|GmbH|Limited|PBC|Media)\.?,\s[^\n]{{0,80}}\d)",
    re.I,
)
JUNK_HEADING = re.compile(
    rf"^(?:Today[{_Q}]?s Most Read|Most (?:Read|Popular|Viewed|Shared)\b|"
    r"More (?:from|Stories|Newsletters|Headlines|Reading|to Read|Coverage)\b|"
    r"Related(?: Stories| Articles| Coverage| Content)?$|Recommended\b|Sponsored\b|"
    r"Advertisement\b|Partner Content|Play\b|Listen\b|Watch\b|Podcasts?\b|"
    r"Market(?:s)? (?:Snapshot|Data|Summary|Wrap)\b|Sign up|Subscribe|"
    r"Share\b|Follow\b|Comments?\b|Next (?:week|time|issue)\b|Upgrade\b|Trending\b|"
    r"About (?:us|this newsletter|the authors?|our newsletters?)$|"
    # a reader poll: "What did you think of today's newsletter?", "How did we do?"
    r"(?:What did you think|How (?:was|did (?:we do|you like))|Did you (?:like|enjoy)|Rate)\b.*\?$|"
    rf"What (?:everyone|people|readers)(?:[{_Q}]s| (?:is|are)) (?:reading|watching)\b|"
    r".*\b(?:puzzle|crossword|quiz|podcast)\b)",
    re.I,
)
JUNK_LINE = re.compile(
    r"^(?:Read (?:more|on the web|in (?:your )?browser|the full story|online|the web version)\b|"
    r"(?:Read|Open|View) in (?:the |our )?app$|"
    # a link to a related article: "Read also: …", "Lire aussi : …", "Lesen Sie auch: …"
    r"(?:See also|Read also|Also read|Lire aussi|Voir aussi|Lesen Sie auch|"
    r"Auch interessant|Mehr zum Thema|Lee también|Leggi anche|Lees ook)\s*:|"
    r"Skip to (?:the )?(?:main )?(?:content|navigation)$|"
    r"Continue reading|"
    r"Sign up\b|Subscribe\b|View (?:comments|in browser|online|image|this)\b|"
    r"Im Browser (?:ansehen|öffnen|lesen)|Online (?:ansehen|lesen)\b|Voir (?:la version|dans le)\b|"
    r"Ver en (?:el )?navegador|Visualizza (?:nel|sul) browser|Bekijk (?:in|online)\b|"
    r"Caption:|Share (?:this|on)\b|Advertisement$|Listen to\b|Already a subscriber|"
    r"Upgrade to paid|Upgrade (?:now|today)$|Together with$|"
    # a credit opening a line: "Curated by Ann Lee.", "Edited by Sam Roe and Ann Lee."
    r"[A-Z][a-z]+ed by [A-Z][\w.’'-]*(?:\s+(?:and\s+)?[A-Z][\w’'-]*){0,5}\.(?:\s|$)|"
    r"Not your account|Log (?:in|out)\b|Change your username|Confirm your username|Cancel$|"
    r"Please follow our comment guidelines|Commenting on this|"
    r"Enjoying\b.*\?|"
    r"The default username below|.*\byour feedback\b|You need a .{0,30}email client|"
    r"(?:Puzzle|Quiz|Crossword|Word game|Games?):|(?:\w{1,3} = [^.=]{1,80}\.\s*){3,}|"
    r".*\b(?:view|read) (?:this email|it) (?:in|on) (?:your|a|the) (?:browser|web)\b)",
    re.I,
)
PROMO = re.compile(
    r"\bsubscribe\b|\bsign up (?:for|to|now|here)\b|\b(?:subscribers|members|you) can now\b|"
    r"\bjoin [\d,.]+ (?:\w+ )?(?:readers|subscribers)\b|\bdelivered (?:to your inbox|in a free)\b|"
    # "become a paid subscriber", not "expect to become a member of NATO"
    r"\bbecom(?:e|ing) a (?:free or )?(?:paid (?:subscriber|member)|subscriber)\b|"
    r"\breader-supported\b|\bforward (?:this|it) (?:\w+ )?to (?:a friend|someone|friends)\b|"
    r"\b(?:get|try|read|sign up for|subscribe to) (?:the|our) (?:[\w’'&-]+ ){0,4}newsletters?\b",
    re.I,
)
# "Listen to the latest Mixed Signals now. →": the show it names is the house's own
LISTEN_TO = re.compile(
    r"^(?:Listen|Watch) to (?:the latest (?:episode of )?|this week[’']s )?(.+?)(?: now)?[\W]*$",
    re.I,
)
WATCH = re.compile(
    r"^(?:Watch|Listen to) (?:the |this )?(?:video|episode|podcast|now|live)\W*$", re.I
)
READ_MORE = re.compile(
    r"^(?:Read (?:more|the (?:full )?(?:story|article))|Continue reading|Keep reading|"
    r"See (?:more|the full story)$|Full story$|(?:Go|Dig) deeper$)\b|"
    r"^(?:[•·]\s*)?(?:\d+\s+)?comments?$|"
    # the same in the other languages of European briefings
    r"^(?:Weiterlesen|Mehr (?:lesen|dazu)|Hier lesen Sie mehr|Lire la suite|En savoir plus|"
    r"Leer más|Seguir leyendo|Leggi (?:di più|tutto|l[’']articolo)|Lees (?:meer|verder))\b",
    re.I,
)
TRAILING_JUNK = re.compile(r"[:\s]*\b(?:Read more|Continue reading|Read the full story)\W*$", re.I)
CREDIT = re.compile(
    r"^(?:Photo(?:graph)?s?|Photographer|(?:Photo )?[Ii]llustration|Image|Credit|Picture)"
    r"(?: by)?\s*:"
    r"|(?:/|\bvia\b)[\w .()&’'/-]{0,60}\b(?:Reuters|AFP|AP|AP Photo|Getty Images|Bloomberg|EPA|"
    r"Getty|Shutterstock|Alamy|Anadolu|Pool|Scanpix|NurPhoto|SOPA Images|Sipa|TASS|Xinhua|Redux|"
    r"Corbis[\w ]*|File Photo|The New York Times)\s*$"
    r"|^View image:"
    # "…We asked an artist to imagine it.Illustration: Saratta Chuengsatiansup"
    r"|[.!?]\s*(?:Photograph(?:er)?|Illustration|Photo|Image|Credit):\s*[A-Z][\w.’'-]*"
    r"(?:\s+[A-Z][\w.’'-]*){0,3}$",
)
# "Screenshot/X/@handle", "Jane Doe/Agency": a credit's names joined by slashes, last
SLASHED_CREDIT = re.compile(r"(?:^|\s)[A-Z@][\w.’'@-]*(?:/[A-Z@][\w.’'@-]*)+$")
BIO = re.compile(
    r"^[A-Z][\w.’'-]+(?: [A-Z][\w.’'-]+){0,3} (?:is|was|covers|writes)\b.{0,160}\b(?:writer|"
    r"editor|reporter|correspondent|columnist|fellow|contributor|author|journalist|analyst|"
    r"producer|professor)\b"
    r"|(?:^|\s)(?:X|Twitter|Bluesky|Threads):\s*@\w+\s*$"
)
SIGNATURE = re.compile(
    r"^[—–-]{1,2}\s*[A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,3}$"
    r"|^--\s*[A-Z][^!?]{0,80}$"  # "-- Todd Kulesza and the Go Team": an item's credit line
)
CALL_TO_ACTION = re.compile(
    r"(?:→|»|>>)\s*$|^(?:Listen|Watch|Read|Register|RSVP|Sign up|Subscribe|Learn more|Join|Buy|"
    r"Shop|Download|Try|Check out|Get (?:tickets|started|the app)|Apply|Book|Reserve|Click|"
    r"Tune in)\b",
    re.I,
)
BYLINE = re.compile(
    r"^(?:[Bb]y|Words by|Reporting by|[A-Z][a-z]+ed by)\s+[A-Z][\w.’'-]+(?:\s+[A-Z][\w.’'-]+){0,3}"
    r"(?:(?:,|\s+and|\s+&)\s+[A-Z][\w.’'-]+(?:\s+[A-Z][\w.’'-]+){0,3})*"
    r"(?:\s*[•|·,–—-]\s*.{0,40})?$"
)
_PERSON_NAME = re.compile(r"^[A-Z][a-z’'-]+(?:\s+[A-Z][.a-z’'-]*){1,2}$")
# words of section labels, never of a name: "One Last Thing", "Before You Go", "More Opinions"
_LABEL_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "last",
        "first",
        "next",
        "more",
        "most",
        "top",
        "best",
        "big",
        "before",
        "after",
        "you",
        "your",
        "our",
        "what",
        "the",
        "this",
        "that",
        "thing",
        "things",
        "news",
        "today",
        "week",
        "day",
        "take",
        "read",
        "go",
        "know",
        # prepositions, never a name's: "Letter From Cambridge" is a headline
        "from",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
    ]
)


def is_person_name(text: str) -> bool:
    """A bare name under a headline ("Mary Ellen Klas"), not a label of plain words."""
    return bool(_PERSON_NAME.match(text)) and not any(
        w.lower() in _LABEL_WORDS for w in text.split()
    )


DATE_LINE = re.compile(
    r"^(?:(?:#|No\.\s*|Issue\s+#?)\d+\s*[—–|·-]\s*)?"  # "#586 — January 23, 2026"
    r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?,?\s+)?"
    r"(?:\w+\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+\w+,?\s+\d{4}|\d{4}-\d{2}-\d{2}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*,?\s+\d{4})$",
    re.I,
)
MORE_LABEL = re.compile(r"^\S+(?:\s+\S+){0,3}\s*(?:\.\.\.|…)$")  # "Hacker News ..."
# "467250techtrenches.dev", "news.ycombinator.com", "Author | Outlet | 12th January 2026 | U":
# an item's source line
SOURCE_LINE = re.compile(
    r"^\d*(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$|^[^|!?]{1,60}(?:\s\|\s[^|!?]{1,60}){2,}$"
)
EMBED = re.compile(r"^(?:A post shared by|View this post on|Watch on YouTube$|Timestamp:\s*\d+$)")
SPONSOR = re.compile(
    r"\$\d[\d,.]*k?\s*[-–]\s*\$?\d[\d,.]*k\b|"  # a job ad's salary range
    r"\((?:Sponsor(?:ed)?|Ad|Advertisement|Partner)\)|"
    r"^(?:This (?:edition|issue|newsletter|email) is )?(?:Sponsored|Presented|Brought to you) by\b|"
    r"^(?:A )?(?:MESSAGE|WORD) FROM (?:OUR )?\b",
    re.I,
)
# "Together with Acme Cloud", "In partnership with Acme": a short line over the ad it marks
SPONSOR_LINE = re.compile(
    r"^(?:Together with|In partnership with|(?:Sponsored|Presented|Brought to you|Powered) by|"
    r"A message from|Paid (?:post|content) (?:by|from))\s+\S.{0,60}$",
    re.I,
)
SPONSORED_LABEL = re.compile(
    r"^(?:Sponsored|Advertisement|Partner content|Promoted|Anzeige|Werbung|Publicit[ée]|"
    r"Publicidad|Pubblicit[àa]|Advertentie)\b",
    re.I,
)
JOB_AD = re.compile(r"\bjob openings\b|\b(?:is|are|we[’']re) hiring\b|\bopen roles\b", re.I)
SALUTATION = re.compile(r"^Dear [\w ]{1,30},$")  # "Dear friends,": a letter begins
QUOTED = re.compile(r"^[“\"][^“”\"]{3,300}[”\"]$")
NUMBER_LABEL = re.compile(r"^\d{1,2}$")
# "… guarantees for the U.S. Defense …" goes on: an initial's full stop ends no sentence
SENTENCE_END = re.compile(r"(?<![\s.][A-Z])[.?!][”\"’']?\s+(?=[A-Z“\"‘])")


def words(text: str) -> int:
    return len(text.split())


def has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def is_caption(text: str) -> bool:
    """A photo caption or credit line ("… Marco Bello/Reuters", "Photographer: …", a short
    line ending in a credit of slashed names, "Tiny and Screenshot/YouTube/@Handle")."""
    if words(text) <= 8 and SLASHED_CREDIT.search(text):
        return True
    return len(text) <= 400 and bool(CREDIT.search(text))


def is_noise(text: str) -> bool:
    """Boilerplate that is never part of a story: promos, bios, signatures, login prompts,
    bylines, date lines, "Read more" and "comments" links and the text of embedded posts."""
    if JUNK_LINE.match(text) or READ_MORE.match(text) or SIGNATURE.match(text) or EMBED.match(text):
        return True
    if WATCH.match(text):
        return True
    if len(text) < 120 and (BYLINE.match(text) or DATE_LINE.match(text)):
        return True
    if SOURCE_LINE.match(text):
        return True
    return len(text) < 300 and bool(BIO.search(text))


_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"^[-+−]?[$€£¥]?\d[\d,]*(?:\.\d+)?%?$")


def is_data_row(text: str) -> bool:
    """A row of a market table ("S&P 500 Futures 6,958.5 -0.66%"): a short line whose
    words are mostly figures, two of them with a decimal point, a percent or a comma."""
    if len(text) > 120 or not _DIGIT.search(text):
        return False
    tokens = text.split()
    figures = [t for t in tokens if _NUMBER.match(t)]
    exact = [t for t in figures if any(c in t for c in ".,%")]
    return len(tokens) <= 12 and len(exact) >= 2 and len(figures) * 3 >= len(tokens)


def is_house_ad(title: str, first: str) -> bool:
    """An item that sells rather than reports: a sponsor marker or a salary range in its
    title, an exclamation for a headline ("Learn More With Our App!"), a job ad, a pitch."""
    return bool(
        SPONSOR.search(title) or title.endswith("!") or JOB_AD.search(first) or is_pitch(first)
    )


def is_promo_section(label: str, body: list[str]) -> bool:
    """A section that is no story: it names its own label (a podcast, event or product
    promoting itself), ends in a call to action, or is short."""
    text = " ".join(body)
    if words(text) < 50 or (body and CALL_TO_ACTION.search(body[-1])):
        return True
    return bool(label) and label.lower() in text.lower()


# "…reshaping global finance.Learn more here.": an event's or a product's pitch ends so
CALL_AT_END = re.compile(
    r"(?:^|[.!?”)]\s*)(?:Learn more(?: here)?|Register (?:here|now|today)|Get (?:your )?tickets|"
    r"Buy tickets|Book (?:now|your \w+)|RSVP(?: here| now)?|Save your (?:seat|spot)|"
    r"Sign up (?:here|now|today)|Find out more here|(?:Listen|Watch) (?:now|here|today))\W*$",
    re.I,
)
_TO_THE_STORY = re.compile(r"(?:Read|Listen|Watch)\b", re.I)  # a call that leads to the story


def is_pitch(text: str) -> bool:
    """A paragraph that sells an event or a product: it ends in a call such as "Learn more
    here", or opens with one ("Tune in today: …", "Join us …") other than read/listen/watch."""
    opening = CALL_TO_ACTION.match(text)
    return bool(CALL_AT_END.search(text)) or (
        opening is not None and not _TO_THE_STORY.match(text) and words(text) < 80
    )


def is_cta_note(text: str) -> bool:
    """A short note that ends in a call to action ("People left 23 comments this week.
    Check out the threads."): the house talking about itself, when that call is its link;
    "Read/Listen/Watch …" leads to the story and is kept, and a "subscribe" sentence goes
    alone (``drop_promos``)."""
    sentences = SENTENCE_END.split(text)
    last = sentences[-1]
    return (
        words(text) < 30
        and not PROMO.search(last)
        and len(sentences) >= 2
        and bool(CALL_TO_ACTION.match(last))
        and not _TO_THE_STORY.match(last)
    )


def drop_promos(text: str) -> str:
    """A paragraph without its "subscribe to …" sentences and "Read more" tails; none of it
    when it opens with such a pitch (a house announcement: "Members can now …")."""
    text = TRAILING_JUNK.sub("", text)
    if not PROMO.search(text):
        return text
    kept: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text + " X"):
        sentence = (text + " X")[start : match.end()]
        if PROMO.search(sentence) and not kept:  # a paragraph opening with a pitch is all pitch
            return ""
        if not PROMO.search(sentence):
            kept.append(sentence.strip())
        start = match.end()
    tail = text[start:].strip() if start < len(text) else ""
    if tail and not PROMO.search(tail):
        kept.append(tail)
    return " ".join(kept).strip(" →")
