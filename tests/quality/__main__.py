"""How well ``parse`` splits and tags labelled newsletters and feeds.

Run: python -m tests.quality [LABELS.json ...]
(default: ../shared/corpus/labels.json and ../shared/corpus/briefs-dev/labels.json)
or:  python -m tests.quality events [EVENTS.json]
(default: events.json beside this file): pairwise precision and recall of
same-event pairs, with the pairs that went wrong.
or:  python -m tests.quality topics --by-publication [LABELS.json ...]
topic figures per publication, and again without the terms that earn tags in
one publication's stories only (what an unseen newsletter can expect).

Prints a line per brief (ok, or what went wrong), the totals, and as its last
line one JSON object with the figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jobs.catalogue import load_topics
from tests.conftest import SEEDS
from tests.quality.evaluate import DEFAULT_LABELS, evaluate
from tests.quality.events import EVENT_LABELS, FEEDS, evaluate_events
from tests.quality.publications import by_publication, print_report


def events(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else EVENT_LABELS
    if not path.is_file():
        print(f"no event labels at {path}; give the path of an events.json", file=sys.stderr)
        return 2
    if not FEEDS.is_dir():
        print(f"no corpus feeds at {FEEDS}; the labels name files there", file=sys.stderr)
        return 2
    report = evaluate_events(path)
    for line in report.lines:
        print(line)
    figures = report.figures()
    print(
        f"\nsame-event pairs over {figures['items']} items, {figures['labelled_groups']} "
        f"labelled groups: P {figures['precision']:.3f} R {figures['recall']:.3f} "
        f"F1 {figures['f1']:.3f} ({figures['true_pairs']} of {figures['predicted_pairs']} "
        f"grouped pairs right, of {figures['labelled_pairs']} labelled)"
    )
    print(json.dumps(figures))
    return 0


def _label_files(argv: list[str]) -> list[Path] | None:
    paths = [Path(a) for a in argv] or list(DEFAULT_LABELS)
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"no label file at {missing[0]}; give the path of a labels.json", file=sys.stderr)
        return None
    return paths


def topics(argv: list[str]) -> int:
    if argv[:1] != ["--by-publication"]:
        print(
            "usage: python -m tests.quality topics --by-publication [LABELS.json ...]",
            file=sys.stderr,
        )
        return 2
    paths = _label_files(argv[1:])
    if paths is None:
        return 2
    print_report(by_publication(load_topics(SEEDS / "topics.toml"), evaluate(paths).samples))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["events"]:
        return events(argv[1:])
    if argv[:1] == ["topics"]:
        return topics(argv[1:])
    paths = _label_files(argv)
    if paths is None:
        return 2
    report = evaluate(paths)
    for line in report.lines:
        print(line)
    figures = report.figures()
    ours, naive = figures["topics_briefs"], figures["topics_briefs_naive"]
    print(
        f"\nsplit exactly: {figures['split_exact']}/{figures['briefs']} briefs "
        f"({figures['split_exact_share']:.0%}); stories matched "
        f"{figures['stories_matched']}/{figures['stories_labelled']}"
    )
    print(
        f"topics on briefs: P {ours['precision']:.3f} R {ours['recall']:.3f} "
        f"F1 {ours['f1']:.3f} (naive baseline F1 {naive['f1']:.3f})"
    )
    if figures["feed_entries"]:
        feeds, naive_feeds = figures["topics_feeds"], figures["topics_feeds_naive"]
        print(
            f"topics on {figures['feed_entries_matched']}/{figures['feed_entries']} feed entries: "
            f"P {feeds['precision']:.3f} R {feeds['recall']:.3f} F1 {feeds['f1']:.3f} "
            f"(naive baseline F1 {naive_feeds['f1']:.3f})"
        )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
