"""Scoring parsed briefs against human labels (the schema of ../shared/corpus/labels.json).

A labelled story matches a parsed one, in order, by its title (difflib ratio
at least 0.6, also with a "Section:" prefix taken off either side) or by its
lead near the start of the parsed story's text. A brief is split exactly when
the counts agree, every labelled story matched the parsed story at its own
position, no ``must_not_appear`` text is inside a story and every
``must_appear_once`` text is inside exactly one. A brief's ``alternatives``
(stories that may come back merged) are other exact answers.

Topics are scored over matched stories only: a tag is a true positive when a
reader gave it, a false positive when the reader gave it neither as a topic
nor as ``also_ok``, and a reader's topic not tagged is a false negative.
Predicted topics outside the label file's vocabulary are not scored (the
readers could not give them). Beside our tagger runs a naive baseline: a
topic when its name occurs in the story as a word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

_NON_WORD = re.compile(r"[\W_]+")
_SECTION_PREFIX = re.compile(r"^[^:]{1,40}:\s+(?=\S)")
LEAD_CHARS = 60  # how much of a lead must be found
LEAD_WINDOW = 400  # ... within this many characters of the story's start
TITLE_RATIO = 0.6


def norm(text: str) -> str:
    """Lower case, words only: punctuation, quotes and markup spacing do not count."""
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class Parsed:
    """One story as ``parse`` gave it."""

    title: str
    text: str
    topics: frozenset[str]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set[str], gold: set[str], ok: set[str]) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold - ok)
        self.fn += len(gold - predicted)

    def merge(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def figures(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3)}


@dataclass(slots=True)
class BriefScore:
    name: str
    labelled: int
    parsed: int
    matched: int
    exact: bool
    problems: list[str] = field(default_factory=list)
    ours: Counts = field(default_factory=Counts)
    naive: Counts = field(default_factory=Counts)
    # each matched story with the reader's topics and also_ok
    pairs: list[tuple[Parsed, set[str], set[str]]] = field(default_factory=list)


def _titles(title: str) -> list[str]:
    bare = _SECTION_PREFIX.sub("", title)
    return [norm(t) for t in dict.fromkeys((title, bare)) if norm(t)]


def title_matches(label: str, parsed: str) -> bool:
    for a in _titles(label):
        for b in _titles(parsed):
            if difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= TITLE_RATIO:
                return True
    return False


def lead_matches(lead: str, story: Parsed) -> bool:
    needle = norm(lead)[:LEAD_CHARS].strip()
    if not needle:
        return False
    start = norm(f"{story.title} {story.text[: LEAD_WINDOW * 2]}")
    body = norm(story.text[: LEAD_WINDOW * 2])
    return needle in start[: LEAD_WINDOW + len(norm(story.title))] or needle in body[:LEAD_WINDOW]


def matches(label: dict[str, Any], story: Parsed) -> bool:
    return title_matches(label.get("title", ""), story.title) or lead_matches(
        label.get("lead", ""), story
    )


def match_in_order(labels: Sequence[dict[str, Any]], parsed: Sequence[Parsed]) -> list[int | None]:
    """For each labelled story, the index of the parsed story it matched (or None)."""
    found: list[int | None] = []
    position = 0
    for label in labels:
        hit = next((k for k in range(position, len(parsed)) if matches(label, parsed[k])), None)
        found.append(hit)
        if hit is not None:
            position = hit + 1
    return found


def variants(brief: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The labelled stories, and each alternative segmentation with its merges applied."""
    stories = brief["stories"]
    out = [("", stories)]
    for alt in brief.get("alternatives", []):
        merge = sorted(alt.get("merge", []))
        if len(merge) < 2:
            continue
        first = stories[merge[0] - 1]
        group = [stories[n - 1] for n in merge]
        topics = sorted({t for s in group for t in s.get("topics", [])})
        also = sorted({t for s in group for t in s.get("also_ok", [])} - set(topics))
        merged = {**first, "topics": topics, "also_ok": also}
        rest = [s for s in stories if s["n"] not in merge[1:]]
        out.append((f"merge {merge}", [merged if s is first else s for s in rest]))
    return out


def _placement_problems(brief: dict[str, Any], parsed: Sequence[Parsed]) -> list[str]:
    problems = []
    texts = [norm(f"{s.title} {s.text}") for s in parsed]
    for phrase in brief.get("must_not_appear", []):
        needle = norm(phrase)
        inside = [i + 1 for i, t in enumerate(texts) if needle and needle in t]
        if inside:
            problems.append(f"boilerplate {phrase[:40]!r} in story {inside[0]}")
    bodies = [(norm(s.title), norm(s.text)) for s in parsed]
    for phrase in brief.get("must_appear_once", []):
        needle = norm(phrase)
        # a headline-only story repeats its title as its text: that is one appearance
        count = sum(b.count(needle) or t.count(needle) for t, b in bodies) if needle else 1
        if count != 1:
            problems.append(f"{phrase[:40]!r} appears {count}x")
    return problems


def _score_variant(
    labels: list[dict[str, Any]], parsed: Sequence[Parsed]
) -> tuple[list[int | None], bool]:
    found = match_in_order(labels, parsed)
    exact = len(labels) == len(parsed) and all(k == i for i, k in enumerate(found))
    return found, exact


def score_brief(
    name: str,
    brief: dict[str, Any],
    parsed: Sequence[Parsed],
    vocabulary: set[str],
    naive: Callable[[str], set[str]],
) -> BriefScore:
    """How one parsed brief compares with its labels."""
    placement = _placement_problems(brief, parsed)
    best: tuple[int, bool, str, list[dict[str, Any]], list[int | None]] | None = None
    for label, stories in variants(brief):
        found, exact = _score_variant(stories, parsed)
        exact = exact and not placement
        hits = sum(k is not None for k in found)
        if best is None or (exact, hits) > (best[1], best[0]):
            best = (hits, exact, label, stories, found)
    assert best is not None
    hits, exact, label, stories, found = best
    result = BriefScore(name, len(stories), len(parsed), hits, exact)
    for story, k in zip(stories, found, strict=True):
        if k is None:
            continue
        gold, ok = set(story.get("topics", [])), set(story.get("also_ok", []))
        result.pairs.append((parsed[k], gold, ok))
        result.ours.add(set(parsed[k].topics) & vocabulary, gold, ok)
        result.naive.add(naive(f"{parsed[k].title}\n{parsed[k].text}") & vocabulary, gold, ok)
    if exact:
        if label:
            result.problems.append(f"as the alternative {label}")
        return result
    if len(parsed) != len(stories):
        result.problems.append(f"{len(parsed)} stories for {len(stories)}")
    missing = [
        f"#{s['n']} {s.get('title', '')[:30]!r}"
        for s, k in zip(stories, found, strict=True)
        if k is None
    ]
    if missing:
        result.problems.append(
            "missing " + ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")
        )
    used = {k for k in found if k is not None}
    extra = [f"{parsed[k].title[:30]!r}" for k in range(len(parsed)) if k not in used]
    if extra:
        result.problems.append("extra " + ", ".join(extra[:4]) + (" …" if len(extra) > 4 else ""))
    shifted = [
        f"#{s['n']}->{k + 1}"
        for i, (s, k) in enumerate(zip(stories, found, strict=True))
        if k is not None and k != i
    ]
    if shifted and not missing and not extra:
        result.problems.append("out of place " + ", ".join(shifted[:4]))
    result.problems.extend(placement)
    return result


def match_entry(title: str, index: int, entries: Sequence[Parsed]) -> int | None:
    """A labelled feed entry's parsed item: by its index when the titles agree, else by title."""
    if index < len(entries) and title_matches(title, entries[index].title):
        return index
    scored = [
        (difflib.SequenceMatcher(None, norm(title), norm(e.title)).ratio(), k)
        for k, e in enumerate(entries)
    ]
    ratio, k = max(scored, default=(0.0, -1))
    return k if ratio >= TITLE_RATIO else None
