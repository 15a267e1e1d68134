"""Reading a brief into a flat list of blocks: headings, paragraphs, list items.

Two readers share one ``Block`` shape so that one segmenter (``jobs.ingest.split.segment``)
serves plain text, Markdown and HTML alike:

- ``blocks_from_text`` reads plain text and Markdown (front matter, ``#``
  headings, ``**bold**`` lead-ins, ``[links](...)``, list items, section
  markers such as ``↓↓``);
- ``blocks_from_html`` walks an HTML document or fragment (web page, feed item,
  email) and keeps what matters for splitting: heading level, a bold lead at
  the start of a paragraph, a whole-bold paragraph, ids/anchors, and whether
  the block is a link card.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

import lxml.etree
import lxml.html

from jobs.ingest.split import rules
from jobs.ingest.split.wrap import text_lines


class Kind(StrEnum):
    """What a block is: a heading, a paragraph, a list item or a photo caption."""

    HEADING = "heading"
    PARA = "para"
    ITEM = "item"
    CAPTION = "caption"


# Rank of a heading: h1..h6 -> 1..6, a whole-bold paragraph -> 7, a short
# title-like line of plain text -> 8 (decided by the segmenter).
BOLD_RANK = 7
LINE_RANK = 8


@dataclass(slots=True)
class Block:
    kind: Kind
    text: str
    lead: str = ""
    bold: bool = False
    rank: int = 0
    number: int | None = None
    anchor: str | None = None
    linked: bool = False
    marked: bool = False
    links: int = 0
    ends: bool = False  # a "Read more" link or a rule followed it: its item ends here
    opens_link: bool = False  # its first words are link text
    closes_link: bool = False  # its last words are link text
    ordinal: int | None = None  # its number in a numbered list ("1. …")
    region: str = ""  # "navigation" or "footer": inside a web page's <nav> or <footer>
    promoted: bool = False  # a heading whose first paragraph was a promo (dropped)


_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u200b\u200c\u034f\u2007\u202f]+")


_ICON_GLYPHS = re.compile("[\ue000-\uf8ff]")  # private-use characters: icon fonts, no text


def clean_space(text: str) -> str:
    """Collapse runs of spaces (including invisible ones and icon glyphs) and trim."""
    return _SPACE.sub(" ", _ICON_GLYPHS.sub(" ", text)).strip()


# ---------------------------------------------------------------- plain text / Markdown

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\((?:[^()\s]|\([^)]*\))*\)")
# Addresses written out in plain-text emails: "Title [https://…]", "<https://…>"
_BARE_URL = re.compile(r"\s*(?:\[\s*https?://[^\]\s]*\s*\]|<https?://[^>\s]*>)")
_BARE_URL_END = re.compile(r"(?:\[\s*https?://[^\]\s]*\s*\]|<https?://[^>\s]*>)\s*$")
# "…was written by women.[ example.org](https://example.org/list)": the item's source, last
_MD_SOURCE_END = re.compile(
    r"\s*\[\s*((?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})\s*\]\([^)\s]*\)\s*$"
    # "…before the end of the year. [Markets](…)": a section's or source's link after the text
    r"|(?<=[.!?”\"])\s*\[\s*([\w&’' -]{1,30}?)\s*\]\([^)\s]*\)\s*$"
)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+•]|(\d{1,2})[.)])\s+(.*)$")
_MD_RULE = re.compile(r"^\s*(?:[-*_—–=]\s*){3,}$")
_MD_META = re.compile(r"^\*\*(?:From|To|Date|Sent|Source|Subject):\*\*", re.I)
_MARKER = re.compile(r"^[↓→▶►■]+\s*")
# "11Title", "1010Title", also after a label: "Semafor Exclusive22Title"
_DOUBLED_NUMBER = re.compile(r"^(?:(.*?\D)\s*)?(\d{1,2})\2(?!\d)\s*(\S.*)$")
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split YAML-ish front matter (``key: value`` lines) off a Markdown document."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip('"').strip("'")
    return meta, text[match.end() :]


def _undouble(label: str) -> str:
    """``FlaggingFlagging`` -> ``Flagging`` (a marker label rendered twice)."""
    half = len(label) // 2
    if len(label) % 2 == 0 and half and label[:half] == label[half:]:
        return label[:half]
    return label


def _marker_heading(line: str) -> Block | None:
    """A line opening with a section marker (``↓↓11Title``, ``↓↓FlaggingFlagging``) as the
    heading it is, numbered when the marker carries the story's number; None otherwise."""
    if not _MARKER.match(line):
        return None
    label = _MARKER.sub("", line)
    numbered = _DOUBLED_NUMBER.match(label)
    if numbered:
        block = Block(Kind.HEADING, clean_space(numbered.group(3)), rank=LINE_RANK)
        block.number = int(numbered.group(2))
        return block
    return Block(Kind.HEADING, _undouble(label), rank=LINE_RANK) if label else None


def _text_block(line: str) -> Block | None:
    """One line of plain text or Markdown (links already reduced to their text) as a block."""
    if _MARKER.match(line):
        return _marker_heading(line)
    heading = _MD_HEADING.match(line)
    if heading:
        return Block(Kind.HEADING, heading.group(2).replace("**", ""), rank=len(heading.group(1)))
    item = _MD_ITEM.match(line)
    if item:
        block = Block(Kind.ITEM, item.group(2).replace("**", "").strip(), marked=True)
        block.ordinal = int(item.group(1)) if item.group(1) else None
        lead = _BOLD_LEAD.match(item.group(2).strip())
        if lead and lead.group(2) and "**" not in lead.group(2):  # "- **Brin has left,** …"
            block.lead = lead.group(1).strip()
        return block
    if line.startswith("**") and line.endswith("**") and len(line) > 4:
        return Block(Kind.PARA, line.replace("**", "").strip(), bold=True, marked=True)
    lead = _BOLD_LEAD.match(line)
    if lead and lead.group(2):
        head = lead.group(1).strip()
        text = f"{head} {lead.group(2).replace('**', '')}"
        return Block(Kind.PARA, text, lead=head, marked=True)
    return Block(Kind.PARA, line.replace("**", ""))


def blocks_from_text(text: str) -> list[Block]:
    """The blocks of a plain-text or Markdown brief."""
    blocks: list[Block] = []
    for raw in text_lines(text.replace("\r\n", "\n").replace("\r", "\n")):
        line = clean_space(raw.replace("<>", " "))
        if line and _MD_RULE.match(line) and blocks:
            blocks[-1].ends = True  # a rule between items ends the one above it
            continue
        if not line or _MD_RULE.match(line) or _MD_META.match(line):
            continue
        line = _MD_IMAGE.sub("", html.unescape(line) if "&" in line else line)
        source = _MD_SOURCE_END.search(line)
        sourced = source is not None and _is_source_link(source.group(1) or source.group(2))
        line = line[: source.start()] if source and sourced else line
        links = _MD_LINK.findall(line)
        bare = _BARE_URL.findall(line)
        line = clean_space(_BARE_URL.sub("", _MD_LINK.sub(r"\1", line)))
        line = _MD_EMPHASIS.sub(r"\1", line)  # "*Forwarded this email?*": the words only
        block = _text_block(line) if line else None
        if block is not None:
            _mark_links(block, links, line)
            if bare and not links:  # "Title [https://…]": the text before the address is linked
                block.links = len(bare)
                block.linked = (
                    len(bare) == 1
                    and _BARE_URL_END.search(raw) is not None
                    and len(line.split()) <= 20
                )
            block.ends = block.ends or sourced  # a source link closes its item
            blocks.append(block)
    return blocks


def _mark_links(block: Block, links: list[str], line: str) -> None:
    """How many links a Markdown line holds and whether it is all link text."""
    block.links = len(links)
    block.opens_link = bool(links) and line.lstrip('*"“ ').startswith(links[0].lstrip('*"“ '))
    block.closes_link = bool(links) and line.rstrip(" .→*").endswith(links[-1].strip(" .*"))
    linked = sum(len(t.replace("*", "").replace("#", "").strip()) for t in links)
    block.linked = bool(links) and linked >= len(line.replace("*", "").strip()) * 0.9


# ---------------------------------------------------------------- HTML

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "td", "th", "tr", "table", "tbody", "thead", "tfoot", "ul", "ol", "dl",
     "dt", "dd", "blockquote", "pre", "section", "article", "header", "footer", "aside", "nav",
     "main", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "center", "form",
     "fieldset", "address", "hr"}
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"script", "style", "head", "noscript", "template", "iframe", "object", "embed", "svg",
     "button", "select"}
)  # fmt: skip
_BOLD_TAGS = frozenset({"strong", "b"})
_HIDDEN = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|max-height\s*:\s*0|mso-hide\s*:\s*all|"
    r"(?:font-size|opacity)\s*:\s*0(?:\.0+)?(?:px|pt|em)?\s*(?:;|!|$)",
    re.I,
)
# an email's headings are often bold by style, not by <b>: a whole short block so is bold
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)\b", re.I)
# a page's own navigation and footer, not the brief's: dropped with that reason
_REGIONS = {"nav": "navigation", "footer": "footer"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_CAPTION_CLASS = re.compile(r"caption|credit", re.I)


class _Builder:
    """Accumulates inline text into blocks while walking the tree."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[tuple[str, bool]] = []
        self.tag = "p"
        self.anchor: str | None = None
        self.link_chars = 0
        self.links = 0
        self.caption = False
        self.region = ""
        self.styled = 0  # depth of elements bold by style
        self.styled_chars = 0
        self.words_seen = self.opens_link = self.closes_link = False
        self.link_texts: list[str] = []
        self.ordinal: int | None = None  # the number of the <ol> item being read
        self.items = 0  # depth of list items around the text being read

    def text(self, text: str | None, bold: bool, linked: bool) -> None:
        if text:
            if any(c.isalnum() for c in text):  # punctuation around a link does not count
                if not self.words_seen:
                    self.opens_link = linked
                self.words_seen = True
                self.closes_link = linked
            self.parts.append((text, bold))
            if linked:
                self.link_chars += len(text.strip())
            if self.styled:
                self.styled_chars += len(text.strip())

    def flush(self) -> None:
        if not self.parts:
            return
        text = clean_space("".join(t for t, _ in self.parts).replace("\n", " "))
        if text:
            lead_parts: list[str] = []
            for part, bold in self.parts:
                if not bold and part.strip():
                    break
                lead_parts.append(part)
            lead = clean_space("".join(lead_parts).replace("\n", " "))
            linked = self.link_chars >= len(text.replace(" ", "")) * 0.9
            styled = self.styled_chars >= len(text.replace(" ", "")) * 0.9 and len(text) <= 150
            whole_bold = lead == text or (styled and not linked)  # a linked one is a headline
            if self.caption:
                kind = Kind.CAPTION
            elif self.tag[0] == "h" and self.tag[1:].isdigit():
                kind = Kind.HEADING
            else:  # a paragraph inside a list item is the item, as Markdown's "- " makes it
                kind = Kind.ITEM if self.tag in {"li", "dd"} or self.items else Kind.PARA
            rank = int(self.tag[1]) if kind == Kind.HEADING else 0
            lead = "" if whole_bold else lead
            marker = _marker_heading(text) if kind == Kind.PARA and not lead else None
            block = marker or Block(kind, text, lead=lead, bold=whole_bold, rank=rank)
            # marked as in Markdown: a heading, an item, a bold line or a bold lead-in
            block.marked = kind != Kind.PARA or bool(lead) or whole_bold
            block.anchor, block.linked = self.anchor, linked and marker is None
            block.links = self.links
            block.opens_link, block.closes_link = self.opens_link, self.closes_link
            block.region = self.region
            _source_at_end(block, self.link_texts)
            block.ordinal = self.ordinal if kind == Kind.ITEM else None
            self.blocks.append(block)
        self.parts = []
        self.link_texts = []
        self.ordinal = None
        self.anchor = None
        self.link_chars = self.styled_chars = 0
        self.links = 0
        self.words_seen = self.opens_link = self.closes_link = False


_SOURCE_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$")
_SECTION_LINK = re.compile(r"^[\w&’' -]{1,30}$")  # "… the year. <a>Markets</a>": a short label


def _is_source_link(label: str) -> bool:
    """A trailing link's text names a source or a section ("example.org", "Markets"), not a
    call to the reader ("Unsubscribe", "Abmelden", "Read more"), which stays in the text."""
    if _SOURCE_DOMAIN.match(label):
        return True
    return not (
        rules.FOOTER.match(label) or rules.is_noise(label) or rules.CALL_TO_ACTION.match(label)
    )


def _source_at_end(block: Block, link_texts: list[str]) -> None:
    """ "…was written by women. <a>example.org</a>": the item's source link, last, is no part
    of its text and ends the item (as ``[example.org](…)`` does in Markdown); so does a short
    link after the last sentence ("… the end of the year. <a>Markets</a>")."""
    last = link_texts[-1] if link_texts else ""
    if (
        block.kind != Kind.PARA
        or not block.closes_link
        or not block.text.endswith(last)
        or len(block.text) <= len(last) + 1
    ):
        return
    before = block.text[: -len(last)].rstrip()
    section = _SECTION_LINK.match(last) is not None and before[-1:] in '.!?”"'
    if not (_SOURCE_DOMAIN.match(last) or section) or not _is_source_link(last):
        return
    block.text = block.text[: -len(last)].rstrip()
    block.links -= 1
    block.ends = True
    before = link_texts[-2] if len(link_texts) >= 2 else ""
    block.closes_link = bool(before) and block.text.rstrip(" .→*").endswith(before.strip(" .*"))
    linked = sum(len(t.replace(" ", "")) for t in link_texts[:-1])
    block.linked = linked >= len(block.text.replace(" ", "")) * 0.9  # "<a>Title</a> <a>x.org</a>"


def _ordinal(item: lxml.html.HtmlElement) -> int | None:
    """The number an ordered list shows before this item ("1.", "2.", …)."""
    parent = item.getparent()
    if parent is None or parent.tag != "ol":
        return None
    start = parent.get("start", "1")
    before = sum(1 for sibling in item.itersiblings(preceding=True) if sibling.tag == "li")
    return (int(start) if start.isdigit() else 1) + before


def _walk(
    el: lxml.html.HtmlElement, out: _Builder, bold: bool, linked: bool, caption: bool
) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP_TAGS or not tag or _HIDDEN.search(el.get("style", "")):
        out.text(el.tail, bold=False, linked=linked)
        return
    is_block = tag in _BLOCK_TAGS
    if tag == "br":
        previous = el.getprevious()
        if previous is not None and previous.tag == "br" and not (previous.tail or "").strip():
            out.flush()
        else:
            out.text(" ", bold, linked)
        out.text(el.tail, bold, linked)
        return
    if tag == "hr":  # a rule between items ends the one above it, as in Markdown
        out.flush()
        if out.blocks:
            out.blocks[-1].ends = True
        out.text(el.tail, bold, linked)
        return
    saved_tag, saved_region = out.tag, out.region
    out.region = _REGIONS.get(tag, out.region)
    if is_block:
        out.flush()
        out.tag = tag
        out.ordinal = _ordinal(el) if tag == "li" else None
        out.caption = (
            caption or tag == "figcaption" or bool(_CAPTION_CLASS.search(el.get("class", "")))
        )
    ident = el.get("id") or (el.get("name") if tag == "a" else None)
    if ident and out.anchor is None:
        out.anchor = ident
    inner_bold = bold or tag in _BOLD_TAGS
    inner_linked = linked or (tag == "a" and bool(el.get("href")))
    if tag == "a" and el.get("href"):
        out.links += 1
    styled = bool(_BOLD_STYLE.search(el.get("style", "")))
    out.styled += styled
    start = len(out.parts)
    out.items += tag in {"li", "dd"}
    out.text(el.text, inner_bold, inner_linked)
    for child in el:
        _walk(child, out, inner_bold, inner_linked, out.caption if is_block else caption)
    if tag == "a" and el.get("href") and len(out.parts) >= start:
        out.link_texts.append(clean_space("".join(t for t, _ in out.parts[start:])))
    out.styled -= styled
    out.items -= tag in {"li", "dd"}
    if is_block:
        out.flush()
        out.caption = caption
        out.tag = saved_tag
    out.region = saved_region
    out.text(el.tail, bold, linked)


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse an HTML document or fragment; None when there is nothing to parse."""
    html = _XML_DECLARATION.sub("", html, count=1)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def blocks_from_html(html: str) -> tuple[list[Block], str | None]:
    """The blocks of an HTML brief, and the document's <title> if it has one."""
    root = parse_html(html)
    if root is None:
        return [], None
    title_el = root.find(".//title")
    title = clean_space(title_el.text_content()) if title_el is not None else None
    body = root.find("body")
    out = _Builder()
    _walk(body if body is not None else root, out, bold=False, linked=False, caption=False)
    out.flush()
    return out.blocks, title or None
