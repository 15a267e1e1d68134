"""Ingest benchmark: our parse + split + tag beside feedparser alone, on the same bytes.

Inputs: every feed in ../shared/corpus/feeds/good, the seed World Brief and
every newsletter in ../shared/corpus/briefs. Each round times

- feedparser alone: ``feedparser.parse`` on the feed bytes;
- ours: ``briefs_from_bytes`` (feedparser, sanitising, splitting with the
  template learned from the publication's earlier files) and tagging, on the
  feed bytes and the newsletter files;
- tagging alone, on the stories those sources give.

The best of several rounds counts. "Extra" is our time minus feedparser's
(the work we add on top of it); the goal is extra / feedparser <= 1.0.

Run: python -m tests.bench.bench_ingest [ROUNDS] [--cpu]  (--cpu: CPU time instead of the clock)
"""

from __future__ import annotations

import json
import sys
import time

import feedparser

from jobs.catalogue import load_topics
from jobs.ingest.parse import briefs_from_bytes
from jobs.ingest.split.layout import recurring
from jobs.ingest.tag import Tagger, tag_briefs
from tests.conftest import CORPUS, SEEDS

CLOCK = time.perf_counter  # ``--cpu``: the process's CPU time, steadier on a shared machine


def inputs() -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    feeds = [(p.name, p.read_bytes()) for p in sorted((CORPUS / "feeds" / "good").iterdir())]
    briefs = [(p.name, p.read_bytes()) for p in sorted((CORPUS / "briefs").iterdir())]
    seed = SEEDS / "world-brief_2025-02-12.txt"
    return feeds, [(seed.name, seed.read_bytes()), *briefs]


def time_feedparser(feeds: list[tuple[str, bytes]]) -> float:
    started = CLOCK()
    for _, data in feeds:
        feedparser.parse(data)
    return CLOCK() - started


def time_ours(sources: list[tuple[str, bytes]], tagger: Tagger) -> tuple[float, int]:
    """Our work, template step included: each source is read with the template of the
    sources of the same publication before it (file name up to the first "_")."""
    stories = 0
    history: dict[str, list[frozenset[str]]] = {}
    started = CLOCK()
    for name, data in sources:
        issues = history.setdefault(name.split("_")[0], [])
        template = recurring(issues)
        for brief in tag_briefs(tagger, briefs_from_bytes(data, name=name, template=template)):
            stories += len(brief.stories)
            issues.append(brief.layout)
    return CLOCK() - started, stories


def time_tagging(sources: list[tuple[str, bytes]], tagger: Tagger) -> tuple[float, int]:
    """Tagging alone, on the stories the sources split into."""
    stories = [
        s for name, data in sources for b in briefs_from_bytes(data, name=name) for s in b.stories
    ]
    started = CLOCK()
    for story in stories:
        tagger.tag(story.title, story.text)
    return CLOCK() - started, len(stories)


def main(rounds: int = 5) -> dict[str, float | int]:
    if not CORPUS.is_dir():
        raise SystemExit(f"no corpus at {CORPUS}; nothing to measure")
    feeds, briefs = inputs()
    tagger = Tagger(load_topics(SEEDS / "topics.toml"))
    best_fp = best_ours = float("inf")
    stories = 0
    for _ in range(rounds):
        best_fp = min(best_fp, time_feedparser(feeds))
        elapsed, stories = time_ours(feeds + briefs, tagger)
        best_ours = min(best_ours, elapsed)
    extra = best_ours - best_fp
    tag_seconds, tagged = min(time_tagging(feeds + briefs, tagger) for _ in range(rounds))
    figures: dict[str, float | int] = {
        "feeds": len(feeds),
        "briefs": len(briefs),
        "stories": stories,
        "feedparser_seconds": round(best_fp, 4),
        "ours_seconds": round(best_ours, 4),
        "extra_seconds": round(extra, 4),
        "stories_per_second": round(stories / best_ours),
        "extra_over_feedparser": round(extra / best_fp, 3),
        "tagging_stories_per_second": round(tagged / tag_seconds),
    }
    print(f"inputs: {len(feeds)} feeds, {len(briefs)} newsletters; {stories} stories")
    print(f"feedparser alone:         {best_fp * 1000:8.1f} ms")
    rate = figures["stories_per_second"]
    print(f"ours (parse+split+tag):   {best_ours * 1000:8.1f} ms  ({rate} stories/s)")
    ratio = extra / best_fp
    print(
        f"our extra work:           {extra * 1000:8.1f} ms  = {ratio:.2f} x feedparser (goal: 1.0)"
    )
    print(f"tagging alone:            {figures['tagging_stories_per_second']} stories/s")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--cpu"]
    if "--cpu" in sys.argv[1:]:
        CLOCK = time.process_time
    main(int(args[0]) if args else 5)
