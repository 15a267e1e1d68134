"""Which unnumbered sections of a numbered brief hold stories all the same.

A numbered brief's extras (ads, agendas, the house's own promos) are left
out, but an opening column and a quick-hits section are stories: decided
from the section's own shape (prose length, lead-ins, calls to action) and
from its label (the house's own sections share their first word).
"""

from __future__ import annotations

import re
from collections import Counter

from jobs.ingest.split import rules
from jobs.ingest.split.blocks import Block, Kind


def _house(blocks: list[Block], labels: list[int]) -> set[str]:
    """The first words three or more unnumbered labels share: the house's own sections."""
    firsts = Counter(blocks[i].text.split()[0].lower() for i in labels if blocks[i].text.split())
    return {word for word, count in firsts.items() if count >= 3}


def _body(blocks: list[Block], i: int) -> list[Block]:
    """The blocks under heading ``i``, up to the next heading."""
    body = []
    for block in blocks[i + 1 :]:
        if block.kind == Kind.HEADING:
            break
        body.append(block)
    return body


# "…took over the kitchen.— Tom Chivers": a curated note signed by its editor
_SIGNED = re.compile(r"[.!?”\"]\s*[—–]\s*[A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,3}$")
CLOSING_WORDS = 150  # a closing column's paragraph: a story's length, not a promo's or a note's


def _closing_column(texts: list[str]) -> bool:
    """After the numbered run, a section that reads as one more story: prose paragraphs,
    one of them 150 words or more, none a pitch ("Buy tickets here"), and not signed off
    as a curator's note. Recommendations, agendas, ads and excerpt roundups are shorter,
    end in a call to action or carry their editor's signature."""
    return (
        max(map(rules.words, texts), default=0) >= CLOSING_WORDS
        and not any(rules.is_pitch(t) or rules.CALL_TO_ACTION.search(t) for t in texts)
        and not _SIGNED.search(texts[-1])
    )


def story_sections(blocks: list[Block]) -> set[int]:
    """In a numbered brief, the unnumbered sections that are stories all the same: a
    paragraph of substantive prose, no promo, and a label not opening with the word other
    unnumbered labels open with (the house's own sections), before the numbered run: an
    opening column; or, after the run's last story, a closing column of a story's length
    (see ``_closing_column``). Inside the run an unnumbered section is an extra (an ad,
    an agenda, the house's recommendations)."""
    numbered = [i for i, b in enumerate(blocks) if b.number is not None]
    first = numbered[0] if numbered else len(blocks)
    last = numbered[-1] if numbered else len(blocks)
    labels = [i for i, b in enumerate(blocks) if b.kind == Kind.HEADING and b.number is None]
    house = _house(blocks, labels)
    kept = set()
    for i in labels:
        label = blocks[i].text
        if first < i < last or not label.split() or label.split()[0].lower() in house:
            continue
        if rules.JUNK_HEADING.match(label):
            continue
        body = _body(blocks, i)
        texts = [b.text for b in body]
        if i > last and (any(b.kind != Kind.PARA for b in body) or not _closing_column(texts)):
            continue
        if max(map(rules.words, texts), default=0) >= 40 and not rules.is_promo_section(
            label, texts
        ):
            kept.add(i)
    return kept


def topic_hits(blocks: list[Block]) -> tuple[set[int], set[int]]:
    """In a numbered brief, an unnumbered section of short category headings ("Fossil
    Fuels", "Politics & Policy"), two or more, each with one paragraph under it: the
    section's label is nothing and each category heading starts a story. Gives the labels
    and the category headings."""
    labels: set[int] = set()
    starts: set[int] = set()
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind != Kind.HEADING or block.number is not None:
            i += 1
            continue
        k, found = i + 1, []
        while (
            k + 1 < len(blocks)
            and _is_category(blocks[k])
            and blocks[k + 1].kind == Kind.PARA
            and not rules.CALL_TO_ACTION.search(blocks[k + 1].text)
            and (k + 2 >= len(blocks) or blocks[k + 2].kind == Kind.HEADING)
        ):
            found.append(k)
            k += 2
        if len(found) >= 2 and not rules.JUNK_HEADING.match(block.text):
            labels.add(i)
            starts.update(found)
        i = max(k, i + 1)
    return labels, starts


def _is_category(block: Block) -> bool:
    """A short label line: a heading of four words or fewer, unnumbered, not linked."""
    return (
        block.kind == Kind.HEADING
        and block.number is None
        and not block.linked
        and rules.words(block.text) <= 4
        and block.text[-1] not in ".!?:"
    )


def quick_hits(blocks: list[Block]) -> tuple[set[int], set[int]]:
    """In a numbered brief, unnumbered quick-hits sections ("ICYMI"): two or more
    paragraphs with bold lead-ins, of eight words or more each, under a
    label that is not the house's own and does not end in a call to action. Gives the
    labels and the blocks that each start a story."""
    labels = [i for i, b in enumerate(blocks) if b.kind == Kind.HEADING and b.number is None]
    house = _house(blocks, labels)
    found_labels: set[int] = set()
    hits: set[int] = set()
    for i in labels:
        label = blocks[i].text
        if not label.split() or label.split()[0].lower() in house:
            continue
        if rules.JUNK_HEADING.match(label):
            continue
        body = []
        for k in range(i + 1, len(blocks)):
            if blocks[k].kind == Kind.HEADING:
                break
            body.append(k)
        items = [
            k
            for k in body
            if blocks[k].lead
            and (
                (blocks[k].kind == Kind.PARA and rules.words(blocks[k].text) >= 8)
                or (blocks[k].kind == Kind.ITEM and rules.words(blocks[k].text) >= 5)
            )
        ]
        if (
            len(body) >= 2
            and items == body
            and not rules.CALL_TO_ACTION.search(blocks[body[-1]].text)
        ):
            found_labels.add(i)
            hits.update(body)
    return found_labels, hits


_NUMBER_WORDS = {
    **{
        w: n
        for n, w in enumerate(
            ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
        )
    },
    "eleven": 11,
    "twelve": 12,
}
# "10 AI News You Need to Know About", "Five things to know": a count, then what it counts
_COUNT = re.compile(
    r"^\W*(\d{1,2}|[A-Za-z]+)\b(?:\s+\S+){0,2}?\s+(?:things|stories|news|items|headlines|"
    r"takeaways|links|reads|charts|questions|facts|numbers|developments|updates|picks)\b",
    re.I,
)


def counted_lists(blocks: list[Block]) -> tuple[set[int], set[int]]:
    """Sections whose heading counts their items ("10 AI News You Need to Know About",
    "Five things to know") and that hold exactly that many paragraphs or list items, three
    or more: the heading is a label and each item a story. Gives the labels and the items."""
    labels: set[int] = set()
    items: set[int] = set()
    for i, block in enumerate(blocks):
        found = _COUNT.match(block.text) if block.kind == Kind.HEADING else None
        if found is None or rules.JUNK_HEADING.match(block.text):
            continue
        word = found.group(1).lower()
        count = int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 0)
        body = []
        for k in range(i + 1, len(blocks)):
            if blocks[k].kind == Kind.HEADING:
                break
            body.append(k)
        if count >= 3 and len(body) == count:
            labels.add(i)
            items.update(body)
    return labels, items


def _is_link_note(block: Block) -> bool:
    """A paragraph opening with its link ("<a>Tariffs were a tax</a>, Ann Lee writes.")."""
    return block.kind == Kind.PARA and block.opens_link and rules.words(block.text) <= 60


def item_lists(blocks: list[Block]) -> tuple[set[int], set[int]]:
    """List items that are stories: three or more items straight under a heading (or under
    its one-line intro ending in ":"), with no paragraph between them, of eight words or
    more on average (two suffice in a brief that has such a list of three): a list of news
    items or links with their summaries, not a story's bullet points (which follow its
    opening paragraph). A section of two or more paragraphs that each open with their
    link is such a list too. Gives the headings (labels, when the list is all their
    section holds), their intros, and the items."""
    runs: list[tuple[int, list[int], bool, bool]] = []
    for i, block in enumerate(blocks):
        if block.kind != Kind.HEADING or rules.JUNK_HEADING.match(block.text):
            continue
        k = i + 1
        intro = k < len(blocks) and blocks[k].kind == Kind.PARA and blocks[k].text.endswith(":")
        k += intro  # "Some other interesting stories in the broader landscape:"
        notes = k < len(blocks) and _is_link_note(blocks[k])
        run = []
        while k < len(blocks) and (
            _is_link_note(blocks[k]) if notes else blocks[k].kind == Kind.ITEM
        ):
            run.append(k)
            k += 1
        whole = k >= len(blocks) or blocks[k].kind == Kind.HEADING
        if not whole and (notes or len(_body(blocks, k - 1)) >= 2):
            continue  # bullets over the story they sum up ("Key points", then its text)
        if len(run) >= 2 and sum(rules.words(blocks[r].text) for r in run) >= 8 * len(run):
            runs.append((i, run, whole, intro))
    labels: set[int] = set()
    found: set[int] = set()
    if not any(len(run) >= 3 or _is_link_note(blocks[run[0]]) for _, run, _, _ in runs):
        return labels, found  # two items alone may be a story's bullet points
    for i, run, whole, intro in runs:
        found.update(run)
        labels.update([i] if whole else [])
        labels.update([i + 1] if intro else [])
    return labels, found
