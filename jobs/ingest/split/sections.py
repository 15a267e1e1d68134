"""Which unnumbered sections of a numbered brief hold stories all the same.

A numbered brief's extras (ads, agendas, the house's own promos) are left
out, but an opening column and a quick-hits section are stories: decided
from the section's own shape (prose length, lead-ins, calls to action) and
from its label (the house's own sections share their first word).
"""

from __future__ import annotations

from collections import Counter

from jobs.ingest.split import rules
from jobs.ingest.split.blocks import Block, Kind


def story_sections(blocks: list[Block]) -> set[int]:
    """In a numbered brief, the unnumbered sections before the first numbered story that
    are stories all the same (an opening column): a paragraph of substantive prose, no
    promo, and a label not opening with the word other unnumbered labels open with
    (the house's own sections)."""
    first = next((i for i, b in enumerate(blocks) if b.number is not None), len(blocks))
    labels = [i for i, b in enumerate(blocks) if b.kind == Kind.HEADING and b.number is None]
    firsts = Counter(blocks[i].text.split()[0].lower() for i in labels if blocks[i].text.split())
    house = {word for word, count in firsts.items() if count >= 3}
    kept = set()
    for i in (i for i in labels if i < first):
        label = blocks[i].text
        if not label.split() or label.split()[0].lower() in house:
            continue
        if rules.JUNK_HEADING.match(label):
            continue
        body = []
        for block in blocks[i + 1 :]:
            if block.kind == Kind.HEADING:
                break
            body.append(block.text)
        if max(map(rules.words, body), default=0) >= 40 and not rules.is_promo_section(label, body):
            kept.add(i)
    return kept


def quick_hits(blocks: list[Block]) -> tuple[set[int], set[int]]:
    """In a numbered brief, unnumbered quick-hits sections ("ICYMI"): two or more
    paragraphs with bold lead-ins, of eight words or more each, under a
    label that is not the house's own and does not end in a call to action. Gives the
    labels and the blocks that each start a story."""
    labels = [i for i, b in enumerate(blocks) if b.kind == Kind.HEADING and b.number is None]
    firsts = Counter(blocks[i].text.split()[0].lower() for i in labels if blocks[i].text.split())
    house = {word for word, count in firsts.items() if count >= 3}
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
