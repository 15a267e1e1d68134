"""Scoring the event grouping against the hand-made groups in events.json beside this file.

Every item of the labelled feeds (read in place from ../shared/corpus/feeds/good)
is grouped as ``briefbot events`` would group it; then every pair of items is
a same-event pair or not, by the labels and by the grouping. Precision is the
share of the pairs we grouped that the labels group too, recall the share of
the labelled pairs that we grouped. Hard negatives (same theme, different event)
are listed when we grouped them, to read the errors by.

``cross_validate`` tells how far the figures owe to settings chosen on these very
labels: the threshold is chosen on all captures but one and scored on the one
held out, in turn, and the held-out groupings are scored together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from jobs.events.assign import window_from_environment
from jobs.events.grouper import Grouper, Item, group
from jobs.ingest.parse import briefs_from_bytes
from tests.conftest import CORPUS

EVENT_LABELS = Path(__file__).parent / "events.json"
FEEDS = CORPUS / "feeds" / "good"


def pairs(groups: Iterable[Iterable[Hashable]]) -> set[frozenset[Hashable]]:
    return {frozenset(p) for g in groups for p in combinations(sorted(set(g), key=str), 2)}


def feed_items(name: str) -> list[Item]:
    """The feed's items, one per key, as stories to group (a dateless item is dropped)."""
    items: dict[Hashable, Item] = {}
    for brief in briefs_from_bytes((FEEDS / name).read_bytes(), name=name):
        if brief.published_at is None or (name, brief.key) in items:
            continue
        text = "\n\n".join(s.text for s in brief.stories) or (brief.summary or "")
        items[(name, brief.key)] = Item((name, brief.key), brief.title, text, brief.published_at)
    return list(items.values())


@dataclass(slots=True)
class EventReport:
    items: int = 0
    labelled_pairs: int = 0
    predicted_pairs: int = 0
    true_pairs: int = 0
    groups: int = 0
    lines: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        p = self.true_pairs / self.predicted_pairs if self.predicted_pairs else 1.0
        r = self.true_pairs / self.labelled_pairs if self.labelled_pairs else 1.0
        return {
            "items": self.items,
            "labelled_groups": self.groups,
            "labelled_pairs": self.labelled_pairs,
            "predicted_pairs": self.predicted_pairs,
            "true_pairs": self.true_pairs,
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        }


def evaluate_events(path: Path = EVENT_LABELS, grouper: Grouper | None = None) -> EventReport:
    labels = json.loads(path.read_text(encoding="utf-8"))
    items = [item for name in labels["feeds"] for item in feed_items(name)]
    titles = {item.key: " ".join(item.title.split()) for item in items}
    gold_groups = [[(s["feed"], s["key"]) for s in e["stories"]] for e in labels["events"]]
    gold = pairs(gold_groups)
    # the window as the bot would take it: BRIEFBOT_EVENT_HOURS, else the default
    if grouper is None:
        grouper = Grouper(window=window_from_environment())
    found = pairs(group(items, grouper))
    report = EventReport(len(items), len(gold), len(found), len(gold & found), len(gold_groups))
    for pair in sorted(found - gold, key=str):
        a, b = sorted(pair, key=str)
        report.lines.append(f"grouped, not one event: {titles[a][:60]!r} ~ {titles[b][:60]!r}")
    for pair in sorted(gold - found, key=str):
        a, b = sorted(pair, key=str)
        report.lines.append(f"one event, not grouped: {titles[a][:60]!r} ~ {titles[b][:60]!r}")
    negatives = pairs(
        [(s["feed"], s["key"]) for s in n["stories"]] for n in labels["hard_negatives"]
    )
    report.lines.append(f"hard negatives grouped: {len(negatives & found)}/{len(negatives)}")
    report.lines.append(across_feeds(found, gold))
    return report


def across_feeds(found: set[frozenset[Hashable]], gold: set[frozenset[Hashable]]) -> str:
    """How the pairs of stories from two different feeds fared (the keys are (feed, key))."""
    found, gold = ({p for p in s if len({key[0] for key in p}) > 1} for s in (found, gold))
    right = len(found & gold)
    return f"pairs across feeds: {right} of {len(found)} grouped right, of {len(gold)} labelled"


# thresholds the cross-validation chooses among (the grouper's default is one of them)
CV_THRESHOLDS = (0.14, 0.16, 0.18, 0.20, 0.22, 0.24, 0.26, 0.28, 0.30)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def capture_folds(labels: dict[str, Any]) -> list[list[str]]:
    """The labelled feeds in folds, one capture each: feeds captured on one date, or
    holding stories of one labelled event, fall in one fold (so no event is cut)."""
    parent = {name: name for name in labels["feeds"]}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    linked: list[list[str]] = [[s["feed"] for s in e["stories"]] for e in labels["events"]]
    by_date: dict[str, list[str]] = {}
    for name in labels["feeds"]:
        found = _DATE.search(name)
        by_date.setdefault(found.group() if found else name, []).append(name)
    for names in [*linked, *by_date.values()]:
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    folds: dict[str, list[str]] = {}
    for name in labels["feeds"]:
        folds.setdefault(root(name), []).append(name)
    return list(folds.values())


@dataclass(slots=True)
class CrossValidation:
    """The held-out figures, and the threshold each fold's grouping was given."""

    report: EventReport
    chosen: list[tuple[list[str], float]]


def _f1(true: int, predicted: int, labelled: int) -> float:
    p = true / predicted if predicted else 1.0
    r = true / labelled if labelled else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def cross_validate(
    path: Path = EVENT_LABELS, thresholds: Sequence[float] = CV_THRESHOLDS
) -> CrossValidation:
    """Each capture grouped with the threshold of best F1 on the other captures."""
    labels = json.loads(path.read_text(encoding="utf-8"))
    folds = capture_folds(labels)
    window = window_from_environment()
    items = [[item for name in fold for item in feed_items(name)] for fold in folds]
    gold = pairs([(s["feed"], s["key"]) for s in e["stories"]] for e in labels["events"])
    gold_in = [{p for p in gold if all(key[0] in fold for key in p)} for fold in folds]
    found = [
        {th: pairs(group(fold_items, Grouper(window=window, threshold=th))) for th in thresholds}
        for fold_items in items
    ]
    held_out: set[frozenset[Hashable]] = set()
    chosen = []
    for i, fold in enumerate(folds):
        others = [j for j in range(len(folds)) if j != i]

        def f1_elsewhere(th: float, others: list[int] = others) -> tuple[float, float]:
            true = sum(len(found[j][th] & gold_in[j]) for j in others)
            predicted = sum(len(found[j][th]) for j in others)
            labelled = sum(len(gold_in[j]) for j in others)
            return _f1(true, predicted, labelled), th  # ties go to the stricter threshold

        best = max(thresholds, key=f1_elsewhere)
        chosen.append((fold, best))
        held_out |= found[i][best]
    groups = len(labels["events"])
    total = sum(len(fold_items) for fold_items in items)
    report = EventReport(total, len(gold), len(held_out), len(gold & held_out), groups)
    report.lines.append(across_feeds(held_out, gold))
    return CrossValidation(report, chosen)
