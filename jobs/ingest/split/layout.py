"""A feed's template: the blocks that recur across its issues are layout, not stories.

Pure: the splitter gives every brief the keys of its blocks (``layout_keys``);
whoever keeps a feed's history (``jobs.ingest.run`` with
``storage.templates``) counts in how many issues each key occurred and hands
the keys seen in ``MIN_ISSUES`` earlier issues or more back to the splitter
as the feed's template, which drops those blocks with the reason ``template``.
Headings are not keys: a recurring section label ("First Word") still labels
a new story each issue; a recurring paragraph ("Market data may be delayed…",
a standing sponsor blurb, the sign-off) is the same text every time.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from jobs.ingest.split.blocks import Block, Kind

MIN_WORDS = 4  # shorter blocks ("Read more") are left to the splitter's own rules
MIN_ISSUES = 2  # a block seen in this many earlier issues is layout

_KEY = re.compile(r"[\W_]+")


def layout_key(text: str) -> str:
    """A short, stable key for a block's text: case, spacing and punctuation do not count."""
    return hashlib.sha1(_KEY.sub("", text.lower()).encode(), usedforsecurity=False).hexdigest()[:16]


def layout_keys(blocks: Sequence[Block]) -> frozenset[str]:
    """The keys of a brief's paragraphs and list items (each once)."""
    return frozenset(
        layout_key(b.text)
        for b in blocks
        if b.kind != Kind.HEADING and len(b.text.split()) >= MIN_WORDS
    )


def recurring(issues: Iterable[frozenset[str]], min_issues: int = MIN_ISSUES) -> frozenset[str]:
    """The keys found in at least ``min_issues`` of the given issues."""
    seen = Counter(key for keys in issues for key in keys)
    return frozenset(key for key, count in seen.items() if count >= min_issues)
