"""How well ``parse`` splits and tags labelled newsletters and feeds.

Run: python -m tests.quality [LABELS.json ...]
(default: ../shared/corpus/labels.json and ../shared/corpus/briefs-dev/labels.json)

Prints a line per brief (ok, or what went wrong), the totals, and as its last
line one JSON object with the figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.quality.evaluate import DEFAULT_LABELS, evaluate


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or list(DEFAULT_LABELS)
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"no label file at {missing[0]}; give the path of a labels.json", file=sys.stderr)
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
