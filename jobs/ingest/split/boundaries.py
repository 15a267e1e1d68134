"""Where a brief's stories begin: the boundaries pass of the splitter.

Pure: cleaned blocks in, stories (a title and paragraphs each) out, with what
is left out recorded in ``dropped``. A heading starts a story unless it labels
the stories under it or opens a section that is no story ("Most Read", an ad:
skipped up to the next heading of its rank, or to the next paragraph of prose
after a market table); a lead-in starts one in a brief of lead-ins; a linked
headline is a story and takes its summary; after an item that ended ("Read
more", a rule) the next paragraph starts one; and in a run of paragraphs with
no heading, each paragraph that does not go on with the one above (opening
"There was…", "It…", "But…") is a story of its own.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from jobs.ingest.drafts import Dropped
from jobs.ingest.split import rules, titles
from jobs.ingest.split.blocks import BOLD_RANK, Block, Kind
from jobs.ingest.split.clean import norm
from jobs.ingest.split.sections import (
    counted_lists,
    item_lists,
    quick_hits,
    story_sections,
    topic_hits,
)


@dataclass(slots=True)
class Story:
    title: str
    anchor: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    headline_only: bool = False
    from_heading: bool = False
    from_paragraph: bool = False  # a paragraph with no heading or lead-in began it
    promoted: bool = False  # its heading's first paragraph was a promo: the item is an ad


def _is_dek(block: Block | None) -> bool:
    """A teaser card's dek: one short sentence under a linked headline, then "Read the
    story" ("By ignoring the rules-based order, the US is giving Beijing an opening.")."""
    return (
        block is not None
        and block.kind == Kind.PARA
        and block.ends
        and not block.links
        and rules.words(block.text) <= 30
        and block.text[-1] in ".?"
    )


def _kickers(blocks: list[Block]) -> set[int]:
    """A teaser card's kicker: a linked label of three words or fewer over its linked
    headline and dek ("Weekend Essay")."""
    return {
        i
        for i in range(len(blocks) - 2)
        if blocks[i].linked
        and rules.words(blocks[i].text) <= 3
        and titles.is_headline_item(blocks[i + 1])
        and _is_dek(blocks[i + 2])
    }


def _leads_follow_prose_under_headings(blocks: list[Block]) -> bool:
    """Whether every heading of two or more opens with a plain paragraph and the brief's
    label lead-ins ("Why it matters:") come after it: points of headed stories."""
    headings = [i for i, b in enumerate(blocks) if b.kind == Kind.HEADING]
    opened = [
        i
        for i in headings
        if i + 1 < len(blocks) and blocks[i + 1].kind == Kind.PARA and not blocks[i + 1].lead
    ]
    return len(headings) >= 2 and len(opened) >= len(headings) - 1


def _opens_sections(block: Block, current: Story, stories: list[Story]) -> bool:
    """``block`` is section "1." and ``current`` the heading over it with its intro."""
    return (
        block.ordinal == 1
        and current is stories[-1]
        and current.from_heading
        and bool(current.paragraphs)
    )


def field_labels(blocks: list[Block]) -> set[str]:
    """Lead-ins that open a paragraph in two items or more ("AI Lab:", "Summary:"): the
    fields of each item, not the starts of stories."""
    counts = Counter(norm(b.lead) for b in blocks if b.kind == Kind.PARA and b.lead)
    return {lead for lead, count in counts.items() if count >= 2 and rules.words(lead) <= 3}


def _is_lead(block: Block | None) -> bool:
    return block is not None and block.kind == Kind.PARA and bool(block.lead)


def _labels_stories(blocks: list[Block], i: int, lead_mode: bool) -> bool:
    """The heading at ``i`` is a label over the stories under it: a linked headline follows,
    or in a brief of lead-ins a lead-in set in bold, or a plain one when its section holds
    two or more (a single plain one, "AI is moving faster than ever. …", is that heading's
    first sentence)."""
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if following is None:
        return False
    if titles.is_headline_item(following):
        return True
    if _lists_ended_items(blocks, i):
        return True
    if not (lead_mode and _is_lead(following)):
        return False
    if following.marked:
        return True
    section = itertools.takewhile(lambda b: b.kind != Kind.HEADING, blocks[i + 1 :])
    return sum(map(_is_lead, section)) >= 2


_LABEL_WORD = re.compile(r"^(?:[A-Z][\w’'-]*|&|and)$")


def _is_section_label(text: str) -> bool:
    """A category's name ("World", "Middle East", "Politics & Policy"), not a headline."""
    found = text.split()
    return (
        1 <= len(found) <= 3
        and (len(found) <= 2 or "&" in found or "and" in found)
        and all(_LABEL_WORD.match(w) for w in found)
    )


def _news_paragraph(block: Block) -> bool:
    """A paragraph that can stand as a story: 15 words or more, no lead-in, not going on
    with the one above ("It…", "But…")."""
    return (
        block.kind == Kind.PARA
        and not block.lead
        and rules.words(block.text) >= 15
        and block.text[:1].isupper()
        and not titles.CONTINUATION.match(block.text)
    )


def paragraph_sections(blocks: list[Block]) -> tuple[set[int], set[int]]:
    """Section labels over one-paragraph stories: in a brief with two such sections or
    more, a category's name ("World", "Business") over two or more paragraphs that each
    stand as a story. Gives the labels and the paragraphs."""
    labels: set[int] = set()
    starts: set[int] = set()
    for i, block in enumerate(blocks):
        if block.kind != Kind.HEADING or not _is_section_label(block.text):
            continue
        section = list(itertools.takewhile(lambda b: b.kind != Kind.HEADING, blocks[i + 1 :]))
        if len(section) >= 2 and all(map(_news_paragraph, section)):
            labels.add(i)
            starts.update(range(i + 1, i + 1 + len(section)))
    return (labels, starts) if len(labels) >= 2 else (set(), set())


def _lists_ended_items(blocks: list[Block], i: int) -> bool:
    """The section under heading ``i`` is paragraphs, two or more, that each end their item
    (a source or section link after the text, "… the end of the year. [Markets]"): a list
    of one-paragraph items under a label ("More news")."""
    section = itertools.takewhile(lambda b: b.kind != Kind.HEADING, blocks[i + 1 :])
    paragraphs = [b for b in section if b.kind == Kind.PARA]
    return len(paragraphs) >= 2 and all(b.ends for b in paragraphs)


def _has_content(blocks: list[Block], i: int) -> bool:
    """The section under heading ``i`` is marked up as one, or holds prose (a paragraph or
    item of eight words or more) or a linked headline, not only a call to action (a short
    line of plain text "Today's clue is: …" over "Play now!")."""
    if blocks[i].rank < BOLD_RANK or blocks[i].linked:
        return True
    for block in blocks[i + 1 :]:
        if block.kind == Kind.HEADING:
            return False
        if rules.words(block.text) >= 8 or titles.is_headline_item(block):
            return True
    return False


def _is_prose(block: Block) -> bool:
    """A paragraph of substantive prose: forty words or more, no pitch."""
    return (
        block.kind == Kind.PARA
        and rules.words(block.text) >= 40
        and not rules.PROMO.search(block.text)
        and not rules.is_pitch(block.text)
    )


def _paragraph_story(block: Block) -> Story:
    """A story begun by a paragraph with no heading over it."""
    title = titles.lead_title(block.lead, block.text)[0]
    return Story(title, block.anchor, [block.text], from_paragraph=True)


def segment(blocks: list[Block], dropped: list[Dropped]) -> tuple[list[Story], list[Block]]:
    numbered = sum(b.number is not None for b in blocks) >= 2  # one stray number is no numbering
    sections = story_sections(blocks) if numbered else set()
    quick_labels, hits = quick_hits(blocks) if numbered else (set(), set())
    topic_labels, topics = topic_hits(blocks) if numbered else (set(), set())
    count_labels, counted = counted_lists(blocks)
    list_labels, listed = item_lists(blocks) if not numbered else (set(), set())
    quick_labels |= count_labels | list_labels
    hits |= counted | listed
    quick_labels |= topic_labels
    sections |= topics
    if not numbered:  # "World" over its news: each paragraph a story of its own
        category_labels, paragraphs = paragraph_sections(blocks)
        quick_labels |= category_labels
        hits |= paragraphs
    if not numbered:
        fields = field_labels(blocks)
        for block in blocks:
            if block.lead and norm(block.lead) in fields:
                block.lead = ""  # "Summary:" opens a paragraph of its item, not a story
    # two bold lead-ins make a brief of lead-ins; plain ones ("Renewing war. …") take three
    marked = sum(1 for b in blocks if b.kind == Kind.PARA and b.lead and b.marked)
    plain = sum(1 for b in blocks if b.kind == Kind.PARA and b.lead and not b.marked)
    lead_mode = not numbered and (marked >= 2 or marked + plain >= 3)
    headed_leads = _leads_follow_prose_under_headings(blocks)
    headed = sum(b.kind == Kind.HEADING for b in blocks) >= 2
    ended_mode = sum(b.ends for b in blocks) >= 3  # items end in "Read more"/"comments" links
    stories: list[Story] = []
    preamble: list[Block] = []
    current: Story | None = None
    skip_rank: int | None = None
    ended = False  # the block before ended its item ("Read more")
    sponsored = False  # the section being skipped is an ad
    skipped_at = -1  # where it began
    unheaded = False  # in a run of stories begun by paragraphs, with no heading since
    card_parts = _kickers(blocks)  # a teaser card's kicker and dek, once its headline is read
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        ended, previous_ended = block.ends, ended
        unheaded = unheaded and block.kind != Kind.HEADING
        if (
            block.kind == Kind.HEADING
            and sponsored
            and skip_rank is not None
            and i == skipped_at + 1
            and block.rank >= skip_rank  # a heading over the label's own is the next section
        ):
            dropped.append(Dropped("sponsor", block.text))  # the advertiser's name
            continue
        if block.kind == Kind.HEADING:
            if (
                skip_rank is not None
                and (block.rank > skip_rank or not _has_content(blocks, i))
                and not (numbered and (block.number or i in sections))
            ):
                dropped.append(Dropped("section", block.text))
                continue
            skip_rank = None
            if current is not None and _opens_sections(block, current, stories):
                stories.pop()  # what a heading says before its sections "1.", "2.", …
                dropped.append(Dropped("intro", "\n\n".join([current.title, *current.paragraphs])))
            current = None
            if i in quick_labels:
                dropped.append(Dropped("label", block.text))
                continue  # a quick-hits label: its items are the stories
            extra = numbered and block.number is None and i not in sections
            if (
                rules.JUNK_HEADING.match(block.text)
                or rules.SPONSORED_LABEL.match(block.text)
                or extra
            ):
                skip_rank = 0 if numbered else block.rank
                sponsored = bool(rules.SPONSORED_LABEL.match(block.text))
                skipped_at = i
                dropped.append(Dropped("sponsor" if sponsored else "section", block.text))
                continue
            title = titles.clean_title(block.text)
            if block.linked and block.rank <= 6:  # a linked headline, maybe with a summary
                current = Story(
                    title,
                    block.anchor,
                    headline_only=True,
                    from_heading=True,
                    promoted=block.promoted,
                )
                stories.append(current)
                continue
            if _labels_stories(blocks, i, lead_mode) and not numbered:
                dropped.append(Dropped("label", block.text))
                ended = _lists_ended_items(blocks, i)  # its first item begins a story too
                continue  # a section label such as "What We're Following"
            current = Story(title, block.anchor, from_heading=True, promoted=block.promoted)
            stories.append(current)
            continue
        if (
            skip_rank is not None
            and not sponsored
            and not numbered
            and i > skipped_at + 1  # the first paragraph belongs to the skipped section
            and _is_prose(block)
        ):
            skip_rank = None  # prose after a market table or a promo: the news again
            current = _paragraph_story(block)
            stories.append(current)
            unheaded = True
            continue
        if skip_rank is not None and not (
            skip_rank and lead_mode and block.kind == Kind.PARA and block.lead and block.marked
        ):
            dropped.append(Dropped("section", block.text))
            continue
        skip_rank = None
        if (
            current is not None
            and current.from_paragraph
            and block.kind == Kind.PARA
            and rules.words(block.text) >= 25
            and not titles.CONTINUATION.match(block.text)
        ):  # in a run of unheaded paragraphs, each new subject is a story
            current = _paragraph_story(block)
            stories.append(current)
            unheaded = True
            continue
        if i in card_parts:
            dropped.append(Dropped("card", block.text))
            continue
        if (
            titles.is_headline_item(block)
            and _is_dek(following)
            and current
            and current.paragraphs
            and not current.headline_only
        ):  # a teaser card after the story it names
            current.title = titles.clean_title(block.text)
            dropped.append(Dropped("card", block.text))
            card_parts.add(i + 1)
            continue
        last = stories[-1] if stories else None
        if (
            titles.is_headline_item(block)
            and last is not None
            and not last.headline_only
            and last.paragraphs
            and titles.restates(block.text, last.paragraphs[-1])
        ):
            dropped.append(Dropped("card", block.text))  # the link of the story above
            continue
        if titles.is_headline_item(block):
            current = Story(titles.clean_title(block.text), block.anchor, [block.text], True)
            stories.append(current)  # a summary paragraph may follow
            continue
        if i in quick_labels:  # a list's intro ("Some other interesting stories:")
            dropped.append(Dropped("label", block.text))
            continue
        if i in hits:
            title = titles.lead_title(block.lead, block.text)[0] if block.lead else ""
            title = title or titles.item_title(block.text) or titles.lead_title("", block.text)[0]
            current = Story(title, block.anchor)
            current.paragraphs.append(block.text)
            stories.append(current)
            current = None
            continue
        opens_item = ended_mode and block.opens_link and current is not None and current.paragraphs
        first_item = ended_mode and not stories and block.ends and block.opens_link
        if (
            (previous_ended or opens_item or first_item)
            and block.kind == Kind.PARA
            and (stories or first_item)
        ):
            current = Story(titles.lead_title(block.lead, block.text)[0], block.anchor)
            current.paragraphs.append(block.text)
            current.from_paragraph = unheaded
            stories.append(current)
            continue
        if lead_mode and block.kind == Kind.PARA and block.lead:
            bare_headline = (
                current is not None
                and current.headline_only
                and current.paragraphs in ([], [current.title])
            )
            point = (  # "Why it matters:" inside a headed story: one of its points
                headed_leads
                and current is not None
                and current.from_heading
                and block.lead.endswith(":")
                and not block.lead.isupper()  # "BIRTHDAYS:" is a section of its own
                and not rules.SPONSOR.search(block.lead)
            )
            aside = (  # "Infrastructure. Agents are…" in a headed story's text: one of its points
                headed
                and not block.marked
                and current is not None
                and current.from_heading
                and bool(current.paragraphs)
            )
            if current is not None and (
                (current.from_heading and not current.paragraphs) or bare_headline or point or aside
            ):
                current.paragraphs.append(block.text)
                continue
            story_title, body = titles.lead_title(block.lead, block.text)
            current = Story(story_title, block.anchor, [body])
            stories.append(current)
            continue
        text = f"- {block.text}" if block.kind == Kind.ITEM else block.text
        if current is None and stories and not stories[-1].headline_only:
            current = stories[-1]
        if current is not None:
            current.paragraphs.append(text)
        elif not stories:
            preamble.append(block)
        else:
            dropped.append(Dropped("section", block.text))
    return stories, preamble
