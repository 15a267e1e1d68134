"""The cleaning pass of the splitter: what is dropped before stories are cut.

Captions and credits (also a caption glued to the start of the next
paragraph), bios, signatures, boilerplate, paragraphs seen before, and
everything from the footer on. Numbers that label stories ("1", "2", ...)
move onto the heading they label, and short title-like lines become headings.
"""

from __future__ import annotations

import re
from collections import Counter

from jobs.ingest.drafts import Dropped
from jobs.ingest.split import rules, titles
from jobs.ingest.split.blocks import BOLD_RANK, LINE_RANK, Block, Kind
from jobs.ingest.split.layout import MIN_WORDS, layout_key

_KEY = re.compile(r"[\W_]+")


def norm(text: str) -> str:
    return _KEY.sub("", text.lower())


def _is_link_bar(block: Block) -> bool:
    """A line of short links ("Privacy Careers Advertise", "Home | Read online"), or one
    such link."""
    if not block.linked or rules.words(block.text) > 3 * max(block.links, 1):
        return False
    return block.links >= 3 or rules.words(block.text) <= 2 or _is_bar(block)


def _is_bar(block: Block) -> bool:
    """Two links or more with a separator between them: "Go to the site | Read online"."""
    return block.links >= 2 and any(mark in block.text for mark in (" | ", " • ", " · "))


def navigation(blocks: list[Block]) -> set[int]:
    """Indexes of navigation: link bars, and runs of three or more one-to-three-word links."""
    found: set[int] = set()
    run: list[int] = []
    for i, block in enumerate([*blocks, Block(Kind.PARA, "")]):
        if block.text and (_is_link_bar(block) or (block.region == "navigation" and run)):
            if block.links >= 3 or _is_bar(block):
                found.add(i)
            run.append(i)
            continue
        if len(run) >= 3:
            found.update(run)
        run = []
    return found


def _under_headline(kept: list[Block], i: int) -> bool:
    """Block ``i`` sits right under a heading, or between two linked headlines."""
    if kept[i - 1].kind == Kind.HEADING:
        return True
    following = kept[i + 1] if i + 1 < len(kept) else None
    return (
        titles.is_headline_item(kept[i - 1])
        and following is not None
        and (following.kind == Kind.HEADING or titles.is_headline_item(following))
    )


def _among_labels(kept: list[Block], i: int) -> bool:
    """Block ``i`` is the first of a run of short labels each over one paragraph ("New
    Energy", "Fossil Fuels"): a category, not an author's name, when the label after its
    paragraph is not followed by a name of its own."""
    after = kept[i + 1 : i + 4]
    return (
        len(after) >= 2
        and kept[i].kind == Kind.HEADING
        and after[0].kind == Kind.PARA
        and after[1].kind == Kind.HEADING
        and after[1].rank == kept[i].rank
        and after[1].number is None
        and rules.words(after[1].text) <= 4
        and not (len(after) == 3 and rules.is_person_name(after[2].text))
    )


def _in_front(kept: list[Block], block: Block) -> bool:
    """Whether ``block`` comes before the brief's stories begin: before its first linked
    headline and its second heading (the first is usually the issue's own title)."""
    headings = 0
    for other in kept:
        if other is block:
            return True
        if other.linked:
            return False
        headings += other.kind == Kind.HEADING
        if headings >= 2:
            return False
    return False


def _at_top(kept: list[Block]) -> bool:
    """Nothing a reader came for is above: fewer than three blocks, none a paragraph of
    twenty words or more (a footer line there is a header's, not the end of the brief)."""
    return len(kept) < 3 and not any(
        b.kind == Kind.PARA and rules.words(b.text) >= 20 for b in kept
    )


def _drop_house_show(kept: list[Block], text: str, dropped: list[Dropped]) -> None:
    """Before "Listen to the latest Mixed Signals now", an item headed with the show's name
    ("Maverick Carter on 'Mixed Signals'") promotes the house's own show: it goes."""
    call = rules.LISTEN_TO.match(text)
    heading = next(
        (i for i in range(len(kept) - 1, -1, -1) if kept[i].kind == Kind.HEADING or kept[i].bold),
        None,
    )  # a heading, or a bold line that is one (headings are marked after this pass)
    if call is None or heading is None or len(kept) - heading > 3:
        return
    show = norm(call.group(1))
    if len(show) >= 4 and show in norm(kept[heading].text):
        dropped.extend(Dropped("promo", b.text) for b in kept[heading:])
        del kept[heading:]


_FIELD = re.compile(r"^([A-Z][\w&’' -]{0,24}):\s+\S")


def _fields(blocks: list[Block]) -> set[str]:
    """Label prefixes that open two lines or more ("AI Lab: …", "Summary: …"): the
    fields of each item, so such lines are no headings."""
    found = Counter(m.group(1) for b in blocks if (m := _FIELD.match(b.text)))
    return {f for f, count in found.items() if count >= 2 and rules.words(f) <= 3}


def _mark_headings(kept: list[Block]) -> None:
    """Make headings of the paragraphs that read as such: labels ("Afterthought:"), short
    title-like lines, whole-bold lines, a title over an item's fields, and a lone numbered
    list item between paragraphs ("1. DeepSeek Engram", a section of an essay)."""
    fields = _fields(kept)
    for index, block in enumerate(kept[:-1]):
        following, previous = kept[index + 1], kept[index - 1] if index else None
        field = _FIELD.match(block.text)
        if field and field.group(1) in fields:
            continue
        after_headline = (
            previous is not None
            and titles.is_headline_item(previous)
            and rules.words(block.text) > 3  # a dek, not a section label such as "Opinion"
        )
        label = (
            rules.MORE_LABEL.match(block.text)
            or rules.SPONSORED_LABEL.fullmatch(block.text)
            or (block.text.endswith(":") and rules.words(block.text) <= 6 and not block.lead)
            or rules.SALUTATION.match(block.text)
        )
        over_fields = (
            (m := _FIELD.match(following.text)) is not None
            and m.group(1) in fields
            and rules.words(block.text) <= 25
            and block.text[-1] not in ".,;:"
        )
        lone_item = (
            block.kind == Kind.ITEM
            and titles.is_title_like(block.text)
            and following.kind == Kind.PARA
            and previous is not None
            and previous.kind == Kind.PARA
        )
        if (block.kind == Kind.PARA and (label or over_fields)) or lone_item:
            block.kind, block.rank = Kind.HEADING, LINE_RANK
            continue
        if block.kind == Kind.PARA and not block.lead and not titles.is_headline_item(block):
            if titles.is_title_like(block.text) and not block.linked and not after_headline:
                block.kind, block.rank = Kind.HEADING, LINE_RANK
            elif block.bold and rules.words(block.text) <= 30 and block.text[-1] not in ".,;:":
                block.kind, block.rank = Kind.HEADING, BOLD_RANK


def clean_blocks(
    blocks: list[Block], dropped: list[Dropped], template: frozenset[str] = frozenset()
) -> list[Block]:
    """Blocks without noise, captions, repeats, footer and the feed's template (the keys
    of its recurring blocks), with numbers moved onto headings.

    What is left out goes to ``dropped`` with its reason."""
    kept: list[Block] = []
    seen: dict[str, Block] = {}
    caption = ""
    number: int | None = None
    links = navigation(blocks)
    for index, block in enumerate(blocks):
        text = block.text
        if index in links or block.region:
            dropped.append(Dropped(block.region or "navigation", text))
            continue
        if (
            template
            and block.kind != Kind.HEADING
            and len(text.split()) >= MIN_WORDS
            and layout_key(text) in template
        ):
            dropped.append(Dropped("template", text))
            continue
        if rules.FOOTER.match(text) and _at_top(kept):
            dropped.append(Dropped("boilerplate", text))  # "Was this email forwarded…" above it all
            continue
        if rules.FOOTER.match(text):
            dropped.extend(Dropped("footer", b.text) for b in blocks[index:] if b.text)
            break
        if caption and text.startswith(caption) and len(text) > len(caption):
            text = block.text = text[len(caption) :].strip()
        if block.kind == Kind.CAPTION or rules.is_caption(text):
            caption = text
            previous = kept[-1] if kept else None
            if (
                previous
                and previous.kind == Kind.PARA
                and not previous.lead
                and rules.words(previous.text) <= 25
                and not titles.is_title_like(previous.text)
            ):
                dropped.append(Dropped("caption", kept.pop().text))  # its first line
            dropped.append(Dropped("caption", text))
            continue
        caption = ""
        if rules.is_data_row(text):
            dropped.append(Dropped("table", text))
            continue
        if rules.NUMBER_LABEL.match(text):
            number = int(text)
            continue
        if not rules.has_letters(text):
            continue
        following = blocks[index + 1].text if index + 1 < len(blocks) else ""
        if rules.QUOTED.match(text) and rules.SIGNATURE.match(following):
            dropped.append(Dropped("boilerplate", text))  # an epigraph and its author
            continue
        if (block.kind == Kind.PARA and block.closes_link and rules.is_cta_note(text)) or (
            block.kind == Kind.PARA and not block.lead and rules.CALL_AT_END.search(text)
        ):
            dropped.append(Dropped("promo", text))  # a note to readers, an event's pitch
            if kept and (kept[-1].kind == Kind.HEADING or kept[-1].bold):
                kept[-1].promoted = True  # the heading over it heads an ad
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if (
            rules.SPONSOR_LINE.match(text)
            and block.kind != Kind.HEADING
            and after is not None
            and (after.kind == Kind.HEADING or after.bold or titles.is_title_like(after.text))
        ):
            dropped.append(Dropped("sponsor", text))
            after.promoted = True  # the heading under "Together with Acme" heads its ad
            continue
        if rules.is_noise(text):
            _drop_house_show(kept, text, dropped)
            if rules.SPONSOR.search(text) and kept and kept[-1].kind != Kind.HEADING:
                dropped.append(Dropped("sponsor", kept.pop().text))  # "-- Acme (SPONSOR)"
            if rules.WATCH.match(text) and kept and kept[-1].linked and kept[-1].kind != Kind.ITEM:
                dropped.append(Dropped("embed", kept.pop().text))  # a video's title card
            dropped.append(Dropped("boilerplate", text))
            if kept and rules.READ_MORE.match(text):
                kept[-1].ends = True
            continue
        key = f"{block.kind}:{norm(text)}"
        if key in seen:
            earlier = seen[key]
            if not _in_front(kept, earlier):
                dropped.append(Dropped("repeat", text))
                continue
            # the first copy was a preheader before the stories: keep the copy in place
            kept.remove(earlier)
            dropped.append(Dropped("repeat", earlier.text))
        previous = kept[-1] if kept else None
        if (
            previous
            and previous.kind == Kind.PARA
            and not previous.bold  # a bold line over its text is a heading ("Kimi 2.6")
            and text.startswith(previous.text + " ")
            and rules.words(previous.text) <= 40
        ):
            # a caption line repeated as the start of the next paragraph
            dropped.append(Dropped("caption", kept.pop().text))
            text = block.text = text[len(previous.text) :].strip()
        seen[key] = block
        if number is not None and (block.kind == Kind.HEADING or titles.is_title_like(text)):
            block.number, number = number, None
        kept.append(block)
    _mark_headings(kept)
    last = kept[-1] if kept else None
    if last and last.text.endswith(":") and rules.words(last.text) <= 6 and not last.lead:
        dropped.append(Dropped("section", kept.pop().text))  # a label with nothing under it
    bylines = {
        i
        for i in range(1, len(kept))
        if rules.is_person_name(kept[i].text)
        and _under_headline(kept, i)
        and not _among_labels(kept, i)
    }  # the author's name under a headline
    dropped.extend(Dropped("boilerplate", kept[i].text) for i in sorted(bylines))
    return [b for i, b in enumerate(kept) if i not in bylines]


def fill_leads(blocks: list[Block]) -> None:
    """Fill in lead-ins of unformatted paragraphs ("Renewing war. The Israeli military ..."),
    and topic leads ("A Diet Coke: Gross, mom.") where two paragraphs in a row open so."""
    plain = [b.kind == Kind.PARA and not b.marked and not b.lead and not b.linked for b in blocks]
    colon = [
        p and bool(titles.COLON_LEAD.match(b.text)) for p, b in zip(plain, blocks, strict=True)
    ]
    for i, block in enumerate(blocks):
        if not plain[i]:
            continue
        block.lead = titles.plain_lead(block.text)
        run = (i > 0 and (colon[i - 1] or bool(blocks[i - 1].lead))) or (
            i + 1 < len(blocks) and colon[i + 1]
        )
        if colon[i] and run and not block.lead:
            found = titles.COLON_LEAD.match(block.text)
            block.lead = found.group(1) + ":" if found and rules.words(found.group(1)) <= 6 else ""
