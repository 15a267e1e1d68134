"""Scoring the event grouping against the hand-made groups in events.json beside this file.

Every item of the labelled feeds (read in place from ../shared/corpus/feeds/good)
is grouped as ``briefbot events`` would group it; then every pair of items is
a same-event pair or not, by the labels and by the grouping. Precision is the
share of the pairs we grouped that the labels group too, recall the share of
the labelled pairs that we grouped. Hard negatives (same theme, different event)
are listed when we grouped them, to read the errors by.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable
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
    found = pairs(group(items, grouper or Grouper(window=window_from_environment())))
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
    return report
