"""What identifies a story's happening: the terms of its title and lead, and its names.

Pure functions. A term is a folded word of the title or the lead (the first
sentences of the text) that is not a stop word; a name is a word written with a
capital inside a sentence of the lead (so not only a title's Title Case), or a
number. Names count more than other terms when stories are compared, title
terms more than lead terms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

LEAD_WORDS = 60  # how much of the text is the lead
_WORD = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;\"“”‘’()\-–—|]\s*$")
_STOP_WORDS = """
a about after again against all also am an and any are as at be been before being
between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me
more most my no nor not now of off on once only or other our out over own said same
says she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why
will with would you your new news year years day days week time first last one two
three like may back get got make made many much still even way says told according
people report reports video live pictures podcast opinion analysis briefing here's
what's it's don't can't won't isn't monday tuesday wednesday thursday friday saturday
sunday today yesterday tonight morning night plus know need
"""
_STOP = frozenset(_STOP_WORDS.split())


# A roundup (a daily briefing, "top five stories") reports many events, so it joins none.
_ROUNDUP = re.compile(
    r"\bbriefing\b|\btop (?:\w+ )?stories\b|\bwhat(?:'|’)?s happening\b|\bphotos of the day\b",
    re.IGNORECASE,
)


# A people's adjective counts as its place: "Iranian airspace" and "Iran" name one country.
# (A plural is folded before: "Britons" is looked up as "briton", "Tories" as "torie".)
_PLACE_OF = {
    adjective: place
    for place, adjectives in {
        "afghanistan": "afghan",
        "africa": "african",
        "algeria": "algerian",
        "america": "american",
        "argentina": "argentine argentinian",
        "australia": "australian aussie",
        "bangladesh": "bangladeshi",
        "brazil": "brazilian",
        "britain": "british briton brit",
        "canada": "canadian",
        "catalonia": "catalan",
        "chile": "chilean",
        "china": "chinese",
        "colombia": "colombian",
        "cuba": "cuban",
        "egypt": "egyptian",
        "england": "english",
        "ethiopia": "ethiopian",
        "europe": "european",
        "france": "french",
        "germany": "german",
        "greece": "greek",
        "haiti": "haitian",
        "india": "indian",
        "iran": "iranian",
        "iraq": "iraqi",
        "ireland": "irish",
        "israel": "israeli",
        "italy": "italian",
        "japan": "japanese",
        "jordan": "jordanian",
        "kenya": "kenyan",
        "korea": "korean",
        "lebanon": "lebanese",
        "libya": "libyan",
        "mexico": "mexican",
        "morocco": "moroccan",
        "myanmar": "burmese",
        "nigeria": "nigerian",
        "pakistan": "pakistani",
        "palestine": "palestinian",
        "philippine": "filipino",
        "poland": "polish",
        "qatar": "qatari",
        "russia": "russian",
        "scotland": "scottish scot",
        "somalia": "somali",
        "spain": "spanish",
        "sudan": "sudanese",
        "syria": "syrian",
        "taiwan": "taiwanese",
        "turkey": "turkish",
        "ukraine": "ukrainian",
        "venezuela": "venezuelan",
        "vietnam": "vietnamese",
        "wales": "welsh",
        "yemen": "yemeni",
        # and a party's other names, so "Dems" and "Democratic win" meet "Democrats"
        "democrat": "dems democratic",
        "republican": "gop",
        "conservative": "tory torie",
    }.items()
    for adjective in adjectives.split()
}


@dataclass(frozen=True, slots=True)
class Features:
    """The terms of one story: ``weights`` maps each term to how much it counts.

    ``names`` are its names and numbers; ``roundup`` says it reports many events.
    """

    weights: dict[str, float]
    names: frozenset[str]
    roundup: bool = False


def fold(word: str) -> str:
    """A word in the form terms are compared in: NFKC, case folded, no plural s, no 's,
    a people's adjective as its place ("Iranian" as "iran"), a party's short name as
    the party ("GOP" as "republican")."""
    w = unicodedata.normalize("NFKC", word).casefold().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "").replace(".", "")
    if len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return _PLACE_OF.get(w, w)


def _words(text: str) -> list[tuple[str, bool]]:
    """(word, written with a capital inside a sentence) for each word of ``text``."""
    out = []
    sentence_start = True
    for match in _WORD.finditer(text):
        word = match.group()
        before = text[max(0, match.start() - 3) : match.start()]
        if match.start() == 0 or _SENTENCE_END.search(before):
            sentence_start = True
        capital = word[0].isupper() and (not sentence_start or fold(word) not in _STOP)
        out.append((word, capital or word[0].isdigit()))
        sentence_start = False
    return out


def strict_names(title: str, text: str) -> set[str]:
    """Numbers, and words written with a capital inside a sentence: what a new
    development names (a title's Title Case and sentence starts do not count)."""
    names = set()
    for source in (title, lead(text)):
        out, start = [], True
        for match in _WORD.finditer(source):
            word = match.group()
            before = source[max(0, match.start() - 3) : match.start()]
            start = match.start() == 0 or bool(_SENTENCE_END.search(before))
            term = fold(word)
            if term not in _STOP and (word[0].isdigit() or (word[0].isupper() and not start)):
                out.append(term)
        names.update(out if source is text or not _title_case(source) else [])
    return names


def _title_case(title: str) -> bool:
    """Whether a title capitalises its words ("At Least 16 Killed Near Gaza School")."""
    words = [w for w in title.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def lead(text: str, words: int | None = None) -> str:
    """The first ``words`` words of ``text``."""
    return " ".join(text.split()[: words or LEAD_WORDS])


def features(title: str, text: str) -> Features:
    """The weighted terms of a story from its title and lead."""
    weights: dict[str, float] = {}
    names: set[str] = set()
    lead_words = _words(lead(text))
    for word, is_name in lead_words:
        term = fold(word)
        if is_name and term not in _STOP and (len(term) > 1 or term.isdigit()):
            names.add(term)
    for source, boost in ((lead_words, 1.0), (_words(title), 2.0)):
        for word, _ in source:
            term = fold(word)
            if term in _STOP or (len(term) < 3 and not term.isdigit()):
                continue
            weight = boost * (2.0 if term in names or term.isdigit() else 1.0)
            weights[term] = max(weights.get(term, 0.0), weight)
    title_words = _words(title)
    for word, _ in title_words:
        term = fold(word)
        if word[:1].isupper() and term in weights and term in names:
            weights[term] = max(weights[term], 3.0)
    return Features(weights, frozenset(names), bool(_ROUNDUP.search(title)))
