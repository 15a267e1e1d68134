"""Splitting a brief (a newsletter issue, a web page, a feed item) into its stories.

Pure functions: text in, ``BriefDraft`` out. Both entry points read the brief
into blocks (``jobs.ingest.split.blocks``) and hand them to one segmenter:

1. Clean: drop photo captions and credits (also when a caption is glued to the
   next paragraph), author bios, signatures, subscribe/login/comment
   boilerplate and promo sentences; collapse paragraphs seen before; stop at
   the footer ("Join the Conversation", "You're receiving this email", ...).
2. Preamble: everything up to the "Welcome back to ..." / "Good morning" intro
   is the brief's front matter; the intro becomes ``BriefDraft.summary``.
3. Boundaries (``jobs.ingest.split.boundaries``): a heading (HTML ``h1``-``h6``,
   Markdown ``#``, a whole-bold paragraph, or a short title-like line of plain
   text) starts a story; a paragraph that opens with a lead-in ("Renewing war.
   ..." or bold words) starts one too when the brief uses lead-ins (at least
   two of them); a lone linked headline is a one-line story; in a run of
   paragraphs with no heading each new subject is a story. A heading followed
   straight away by lead-in stories is a section label ("What We're
   Following") and starts nothing. When the brief numbers its stories,
   unnumbered sections are extras (ads, "Flagging") and are left out. Sections
   such as "Today's Most Read" or "More from ..." are skipped up to the next
   heading of the same or a higher rank (or, in a brief of lead-ins, the next
   lead-in; or the next paragraph of prose).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from jobs.ingest.drafts import BriefDraft, Dropped, StoryDraft
from jobs.ingest.split import rules, titles
from jobs.ingest.split.blocks import (
    Block,
    Kind,
    blocks_from_html,
    blocks_from_text,
    clean_space,
    front_matter,
)
from jobs.ingest.split.boundaries import Story, segment
from jobs.ingest.split.clean import clean_blocks, fill_leads, navigation, norm
from jobs.ingest.split.layout import layout_keys

# A brief that drops more text than this share of what its stories keep is kept whole.
WHOLE_WHEN_DROPPED = 1.0
LOST_WORDS = 15  # ... counting dropped paragraphs of this many words or more
_NOT_LOST = frozenset(
    {
        "label",
        "repeat",
        "caption",
        "promo",
        "preamble",
        "navigation",
        "template",
        "sponsor",
        "boilerplate",
        "table",
        "embed",
        "intro",
        "card",
    }
)


def _preamble(blocks: list[Block], title: str) -> tuple[str | None, int]:
    """The brief's summary and the index where its stories begin."""
    start = 0
    summary = None
    for i, block in enumerate(blocks[:12]):
        greeting = block.kind == Kind.HEADING and rules.words(block.text) <= 4  # "Hi All!"
        if (block.kind == Kind.PARA or greeting) and rules.INTRO.match(block.text):
            summary, start = block.text, i + 1
            break
    while start < len(blocks) and norm(blocks[start].text) == norm(title):
        start += 1
    return summary, start


def _whole_text(blocks: list[Block], read: list[tuple[Kind, str]]) -> list[str]:
    """Every paragraph a reader would see, once, up to the footer, without the site's menus
    and link bars: a brief kept whole (``read``: each block's kind and text as read, before
    the cleaning pass changed them)."""
    texts: list[str] = []
    links = navigation(blocks)
    for i, (b, (kind, text)) in enumerate(zip(blocks, read, strict=True)):
        if rules.FOOTER.match(text) or b.region == "footer":
            break
        if kind == Kind.CAPTION or not rules.has_letters(text) or b.region or i in links:
            continue
        if rules.is_caption(text) or rules.is_noise(text):
            continue
        texts.append(f"- {text}" if kind == Kind.ITEM else text)
    return list(dict.fromkeys(texts))


def _most_dropped(stories: list[StoryDraft], dropped: list[Dropped]) -> bool:
    """More text dropped than kept, counting only paragraphs of prose dropped in a whole
    section or the footer (where a wrong guess costs most): a footer's or a site's short
    lines and link bars ("Sign up", "Related", "About us") are no stories lost."""
    kept = sum(len(s.text) for s in stories)
    lost = sum(
        len(d.text)
        for d in dropped
        if d.reason not in _NOT_LOST and rules.words(d.text) >= LOST_WORDS
    )
    return lost > kept * WHOLE_WHEN_DROPPED


def _brief(
    blocks: list[Block],
    *,
    template: frozenset[str],
    title: str | None,
    url: str | None,
    published_at: datetime | None,
    key: str | None,
) -> BriefDraft:
    read = [(b.kind, b.text) for b in blocks]  # the whole text is rebuilt only when needed
    original = list(blocks)
    layout = layout_keys(blocks)
    dropped: list[Dropped] = []
    blocks = clean_blocks(blocks, dropped, template)
    fill_leads(blocks)
    brief_title = clean_space(title or "")
    summary, start = _preamble(blocks, brief_title)
    dropped.extend(Dropped("preamble", b.text) for b in blocks[:start])
    found, preamble = segment(blocks[start:], dropped)
    if found:
        dropped.extend(Dropped("preamble", b.text) for b in preamble)
    elif preamble:  # no story boundaries at all: the whole text is one story
        body = [f"- {b.text}" if b.kind == Kind.ITEM else b.text for b in preamble]
        found = [Story(brief_title or titles.lead_title("", body[0])[0], paragraphs=body)]
    if summary is None:
        summary = next(
            (b.text for b in preamble if b.kind == Kind.PARA and rules.words(b.text) >= 8), None
        )
    stories: list[StoryDraft] = []
    for story in found:
        first = story.paragraphs[0] if story.paragraphs else ""
        if story.promoted or rules.is_house_ad(story.title, first):
            dropped.append(Dropped("sponsor", "\n\n".join([story.title, *story.paragraphs])))
            continue
        paragraphs: list[str] = []
        for paragraph in story.paragraphs:
            kept = rules.drop_promos(paragraph)
            if len(kept) < len(paragraph):
                dropped.append(Dropped("promo", paragraph))
            if kept:
                paragraphs.append(kept)
        if not paragraphs and story.headline_only:
            paragraphs = [story.title]
        if not paragraphs:
            continue
        story_url = f"{url}#{story.anchor}" if url and story.anchor else url
        stories.append(
            StoryDraft(
                position=len(stories) + 1,
                title=story.title,
                text="\n\n".join(paragraphs),
                url=story_url,
                published_at=published_at,
            )
        )
    rewrite = not stories or _most_dropped(stories, dropped)
    whole = _whole_text(original, read) if rewrite else []
    rewrite = rewrite and bool(whole)
    if rewrite:
        first = stories[0].title if stories else titles.lead_title("", whole[0])[0]
        stories = [StoryDraft(1, brief_title or first, "\n\n".join(whole), url, published_at)]
    split_badly = rewrite or len(stories) == 1
    brief_title = brief_title or (stories[0].title if stories else "Untitled brief")
    digest = hashlib.sha256("\n".join(s.text for s in stories).encode()).hexdigest()[:16]
    return BriefDraft(
        key=key or url or brief_title or digest,
        title=brief_title,
        url=url,
        summary=summary,
        published_at=published_at,
        stories=tuple(stories),
        dropped=() if rewrite else tuple(dropped),
        whole=split_badly,
        layout=layout,
    )


def _email_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _first_title(blocks: list[Block], *, skip_noise: bool) -> str | None:
    """An untitled brief's title: its first top-level heading among the first blocks, else
    its first line if that reads as a title (with ``skip_noise``, the first past a page's
    menu, "Skip to content" and the like)."""
    links = navigation(blocks) if skip_noise else set()
    shown = [
        b
        for i, b in enumerate(blocks[:20])
        if not (b.region or i in links or (b.linked and skip_noise) or rules.is_noise(b.text))
    ]
    top = next((b for b in shown if b.kind == Kind.HEADING and b.rank == 1), None)
    first = top or (shown[0] if skip_noise and shown else blocks[0] if blocks else None)
    return first.text if first and titles.is_title_like(first.text) else None


def split_text(
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    published_at: datetime | None = None,
    key: str | None = None,
    template: frozenset[str] = frozenset(),
) -> BriefDraft:
    """Split a plain-text or Markdown brief into stories."""
    meta, body = front_matter(text.lstrip("\ufeff"))
    blocks = blocks_from_text(body)
    title = title or meta.get("subject") or meta.get("title")
    title = title or _first_title(blocks, skip_noise=False)
    return _brief(
        blocks,
        template=template,
        title=title,
        url=url or meta.get("source_url") or meta.get("url"),
        published_at=published_at or _email_date(meta.get("date")),
        key=key,
    )


def split_html(
    html: str,
    *,
    title: str | None = None,
    url: str | None = None,
    published_at: datetime | None = None,
    key: str | None = None,
    template: frozenset[str] = frozenset(),
) -> BriefDraft:
    """Split an HTML brief (newsletter email, web page, feed item body) into stories."""
    blocks, doc_title = blocks_from_html(html)
    if not title and not doc_title:
        doc_title = next((b.text for b in blocks if b.kind == Kind.HEADING and b.rank <= 2), None)
    if not title and not doc_title:  # as in a text: a first line that reads as a title
        doc_title = _first_title(blocks, skip_noise=True)
    return _brief(
        blocks,
        template=template,
        title=title or doc_title,
        url=url,
        published_at=published_at,
        key=key,
    )


_DIGEST_TITLE = re.compile(
    r"\b(?:at a glance|brief(?:ing)?|newsletter|digest|round-?up|what we know|"
    r"editor'?s picks?|morning|evening|today in|the week)\b",
    re.I,
)
_BOLD_OPENING = re.compile(r"<p\b[^>]*>\s*<(?:strong|b)\b", re.I)


def split_item_html(
    html: str,
    *,
    title: str,
    url: str | None = None,
    published_at: datetime | None = None,
    key: str | None = None,
    template: frozenset[str] = frozenset(),
) -> BriefDraft:
    """A feed item: one story, unless its body is a newsletter of several stories.

    A body counts as a newsletter when it splits into three stories or more and
    either the item's title says so ("... at a glance", "Morning briefing") or
    at least three paragraphs open in bold.
    """
    if _DIGEST_TITLE.search(title) or len(_BOLD_OPENING.findall(html)) >= 3:
        brief = split_html(
            html, title=title, url=url, published_at=published_at, key=key, template=template
        )
        if len(brief.stories) >= 3:
            return brief
    blocks, _ = blocks_from_html(html)
    paragraphs = [
        b.text
        for b in blocks
        if b.kind != Kind.CAPTION and not rules.is_caption(b.text) and not rules.is_noise(b.text)
    ]
    text = "\n\n".join(dict.fromkeys(rules.drop_promos(p) for p in paragraphs if p)) or title
    story = StoryDraft(1, title, text.strip(), url=url, published_at=published_at)
    return BriefDraft(key or url or title, title, url, None, published_at, (story,))
