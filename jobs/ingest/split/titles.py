"""Titles and lead-ins: what a story is called and where its body begins.

Pure predicates and helpers over one line of text: whether it reads like a
headline ("Storage plant opens"), is a linked headline, opens with a lead-in
("Renewing war. The Israeli military…", "A Diet Coke: Gross, mom."), and what
title an item takes ("PANIC RECOVERY — Even if…", "Supreme Court: The
justices…"). Like ``jobs.ingest.split.rules``, nothing here names a publisher.
"""

from __future__ import annotations

import re

from jobs.ingest.split.blocks import Block, Kind
from jobs.ingest.split.rules import SENTENCE_END, has_letters, words

SOURCE_SUFFIX = re.compile(r"\s+[—–-]\s+(?:www\.)?[\w-]+(?:\.[\w-]+)+\b.*$")
SCORE_PREFIX = re.compile(r"^\[\d+(?:\.\d+)?\]\s*")
PLAIN_LEAD = re.compile(r"^([A-Z‘“\"][^.?!:;\n]{0,70}?[a-z0-9’'”\"][.?!])\s+(?=[A-Z‘“\"])")
CAPS_LEAD = re.compile(r"^([A-Z‘“\"][A-Z0-9‘’'“”\"&,.\- ]{2,60}):\s+(?=\S)")
# "A Diet Coke: Gross, mom. …": a short topic, a colon, a capital
COLON_LEAD = re.compile(r"^([A-Z‘“\"][^.?!:;\n]{1,50}?[\w’'”\"]):\s+(?=[A-Z‘“\"])")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "jan", "feb",
     "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "no", "vs"}
)  # fmt: skip


PICTOGRAPH = re.compile(r"^[\U0001F300-\U0001FAFF\u2600-\u27BF][\ufe0f\u200d]*\s*")


def is_title_like(text: str) -> bool:
    """A short line that reads like a headline: few words, one sentence, no closing full
    stop (a pictograph before it, "🔎 AI Research", is a section's emblem). "Have friends
    who'd love it? Give them your link" is two sentences: a line of a note, not a title."""
    text = PICTOGRAPH.sub("", text) or text
    return (
        1 <= words(text) <= 12
        and not SENTENCE_END.search(text)
        and len(text) <= 100
        and text[-1] not in ".,;:"
        and (text[0].isupper() or text[0].isdigit() or text[0] in "‘“\"'¿¡")
        and has_letters(text)
    )


def is_headline_item(block: Block) -> bool:
    """A one-line story: a linked headline, or "headline — source.com" in a list of such."""
    text = block.text
    if (
        block.kind != Kind.PARA
        or block.bold
        or block.lead
        or words(text) > 30
        or text[-1] in ".!:"
        or (text[-1] == "?" and not (block.linked and words(text) <= 15))  # a linked question
    ):
        return False
    return block.linked or bool(SOURCE_SUFFIX.search(text))


_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")


def restates(headline: str, paragraph: str) -> bool:
    """Whether most of a headline's words (of four letters or more) are in the paragraph:
    "The Historian Who Says Finance Is Wasting a Generation of Talent" under "Finance is
    wasting a generation of talent. Dutch historian…" is that paragraph's own link."""
    wanted = {w.lower() for w in _CONTENT_WORD.findall(headline)}
    found = {w.lower() for w in _CONTENT_WORD.findall(paragraph)}
    return len(wanted) >= 3 and len(wanted & found) >= 0.7 * len(wanted)


def clean_title(text: str) -> str:
    """A title without list scores ("[6.6] ") or source suffixes (" — bbc.com (+4)")."""
    return shorten(SCORE_PREFIX.sub("", SOURCE_SUFFIX.sub("", text)).strip() or text)


def shorten(text: str, limit: int = 120) -> str:
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit)].rstrip(",;:–— ") + "…"


def first_sentence(text: str) -> str:
    for match in SENTENCE_END.finditer(text):
        before = text[: match.start()].rsplit(" ", 1)[-1]
        if before.lower().strip('(“"') in _ABBREVIATIONS or "." in before or len(before) == 1:
            continue
        return text[: match.start() + 1]
    return text


def plain_lead(text: str) -> str:
    """The lead-in of an unformatted paragraph: "Renewing war. The Israeli military…"."""
    match = CAPS_LEAD.match(text)
    if match and words(match.group(1)) <= 6:
        return match.group(1) + ":"
    match = PLAIN_LEAD.match(text)
    if not match or words(match.group(1)) > 6:
        return ""
    last = match.group(1)[:-1].rsplit(" ", 1)[-1].lower()
    return "" if last in _ABBREVIATIONS else match.group(1)


_DASH_TITLE = re.compile(r"^\W*(\w[^—–|]{2,110}?)\s+[—–|]\s+\S")
_COLON_TITLE = re.compile(r"^\W*(\w[^:.!?]{1,50}):\s+\S")


def item_title(text: str) -> str:
    """The title of a "Title — summary" or "Topic: summary" item ("📄 Patching the Wii News
    Channel – Delightfully niche…", "Supreme Court: The justices agreed…"), without its
    bullet; empty when the item does not open so."""
    match = _DASH_TITLE.match(text)
    if match and words(match.group(1)) <= 15 and not SENTENCE_END.search(match.group(1)):
        return match.group(1).strip()
    match = _COLON_TITLE.match(text)
    return match.group(1).strip() if match and words(match.group(1)) <= 5 else ""


def lead_title(lead: str, text: str) -> tuple[str, str]:
    """A story's title and body from a paragraph that opens with a lead-in."""
    if lead and lead[-1] in ".?!" and words(lead) <= 12:
        return lead, text[len(lead) :].strip() if text.startswith(lead) else text
    if lead and lead[-1] == ":" and words(lead) <= 8:
        return lead[:-1].strip(), text[len(lead) :].strip() if text.startswith(lead) else text
    after = text[len(lead) :].lstrip() if text.startswith(lead) else ""
    if words(lead) >= 6 or (lead and after[:1] in ("—", "–", "|")):
        return shorten(lead.rstrip(",;: —–-")), text  # "DRIVING THE DAY — The Senate…"
    return shorten(first_sentence(text).rstrip(".")), text


# "There was immediate pushback…", "It…", "But…": a paragraph that goes on with the one above
CONTINUATION = re.compile(
    r"^(?:There (?:was|were|is|are|has|have)|It|Its|He|She|His|Her|They|Their|This|That|These|"
    r"Those|But|And|Yet|Still|Also|Even so|The move|The decision|The deal|The news)\b"
)
