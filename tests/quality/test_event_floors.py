"""Grouping the labelled feeds into events never falls below the committed floors.

The floors (``events_*`` in floors.json) are the figures of
``python -m tests.quality events`` when they were last raised.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jobs.events.grouper import Grouper
from tests.quality.events import (
    EVENT_LABELS,
    FEEDS,
    across_feeds,
    capture_folds,
    evaluate_events,
    feed_items,
)

FLOORS = json.loads((Path(__file__).parent / "floors.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason=f"no corpus feeds at {FEEDS}")


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return evaluate_events(EVENT_LABELS).figures()


def test_stories_grouped_together_are_one_event_as_often_as_the_floor_says(figures):
    assert figures["precision"] >= FLOORS["events_precision"]


def test_stories_of_one_event_are_grouped_as_often_as_the_floor_says(figures):
    assert figures["recall"] >= FLOORS["events_recall"]


def test_every_labelled_story_is_an_item_of_its_feed():
    labels = json.loads(EVENT_LABELS.read_text(encoding="utf-8"))
    items = {item.key for name in labels["feeds"] for item in feed_items(name)}
    labelled = [(s["feed"], s["key"]) for e in labels["events"] for s in e["stories"]]
    assert [key for key in labelled if key not in items] == []
    assert len(labels["events"]) >= 35


def test_the_grouper_handed_to_the_evaluation_is_the_one_that_groups():
    never = Grouper(threshold=2.0)  # no cosine reaches it
    assert evaluate_events(EVENT_LABELS, never).figures()["predicted_pairs"] == 0


def test_cross_validation_holds_out_whole_captures_and_never_cuts_an_event():
    labels = json.loads(EVENT_LABELS.read_text(encoding="utf-8"))
    folds = capture_folds(labels)
    assert sorted(name for fold in folds for name in fold) == sorted(labels["feeds"])
    fold_of = {name: n for n, fold in enumerate(folds) for name in fold}
    spread = {e["name"]: {fold_of[s["feed"]] for s in e["stories"]} for e in labels["events"]}
    assert [name for name, held in spread.items() if len(held) != 1] == []
    # the feeds of one capture day go together, those of other days apart
    assert {"bbc_news_frontpage_2024-08-08.rss.xml", "nyt_world_2024-08-08.rss.xml"} in [
        set(fold) for fold in folds
    ]
    assert len(folds) > 2


def test_pairs_across_feeds_are_counted_apart_from_pairs_within_one_feed():
    bbc, nyt, cnn = ("bbc", 1), ("nyt", 2), ("cnn", 3)
    found = {frozenset({bbc, nyt}), frozenset({bbc, ("bbc", 4)})}
    gold = {frozenset({bbc, nyt}), frozenset({nyt, cnn}), frozenset({bbc, ("bbc", 4)})}
    assert across_feeds(found, gold) == "pairs across feeds: 1 of 1 grouped right, of 2 labelled"
