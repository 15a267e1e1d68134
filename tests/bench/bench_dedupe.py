"""How well SimHash tells near-duplicates from different stories, on the shared corpus.

    python -m tests.bench.bench_dedupe

Takes every feed item text and every long paragraph of the corpus newsletters,
compares all pairs of different texts (false alarms: pairs within the
near-duplicate distance), and edits each text lightly (one word replaced, two
words replaced, one sentence added) to see how often the copy is recognised.
The last line is the same figures as JSON.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
import time

import feedparser

from jobs.ingest.dedupe import MIN_SIMHASH_WORDS, simhash
from storage.stories import NEAR_DUPLICATE_BITS, hamming
from tests.conftest import CORPUS

TAG = re.compile(r"<[^>]+>")
SIZES = {"short (<40 words)": (0, 40), "medium (40-99)": (40, 100), "long (100+)": (100, 10**9)}


def corpus_texts() -> list[str]:
    texts: set[str] = set()
    for path in sorted((CORPUS / "feeds" / "good").glob("*")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            html = entry.content[0].value if entry.get("content") else entry.get("summary", "")
            texts.add(" ".join(TAG.sub(" ", html or "").split()))
    for path in sorted((CORPUS / "briefs").glob("*")):
        raw = TAG.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
        texts.update(" ".join(b.split()) for b in re.split(r"\n\s*\n", raw) if "{" not in b)
    return sorted(t for t in texts if len(t.split()) >= MIN_SIMHASH_WORDS)


def edit(text: str, kind: str, rng: random.Random) -> str:
    words = text.split()
    if kind == "sentence added":
        return text + " The ministry declined to comment on the report."
    for _ in range(1 if kind == "one word changed" else 2):
        words[rng.randrange(len(words))] = "changed"
    return " ".join(words)


def main() -> int:
    if not (CORPUS / "feeds").is_dir():
        print(f"no corpus at {CORPUS}; nothing to measure")
        return 0
    texts = corpus_texts()
    started = time.perf_counter()
    prints = [simhash(t) for t in texts]
    per_second = len(texts) / (time.perf_counter() - started)
    pairs = false_alarms = 0
    closest = 64
    for a, b in itertools.combinations([p for p in prints if p is not None], 2):
        distance = hamming(a, b)
        pairs += 1
        false_alarms += distance <= NEAR_DUPLICATE_BITS
        closest = min(closest, distance)
    rng = random.Random(1)
    recall: dict[str, dict[str, float]] = {}
    for kind in ("one word changed", "two words changed", "sentence added"):
        recall[kind] = {}
        for size, (low, high) in SIZES.items():
            found = [
                hamming(p, simhash(edit(t, kind, rng)) or 0) <= NEAR_DUPLICATE_BITS
                for t, p in zip(texts, prints, strict=True)
                if p is not None and low <= len(t.split()) < high
            ]
            recall[kind][size] = round(sum(found) / len(found), 3) if found else 0.0
    print(f"{len(texts)} texts, {pairs:,} pairs of different texts")
    print(f"near-duplicate distance: {NEAR_DUPLICATE_BITS} bits of 64")
    print(f"false alarms: {false_alarms} pairs; closest different pair: {closest} bits")
    for kind, by_size in recall.items():
        shown = ", ".join(f"{size} {share:.0%}" for size, share in by_size.items())
        print(f"recognised when {kind}: {shown}")
    print(f"fingerprints per second: {per_second:,.0f}")
    figures = {
        "texts": len(texts),
        "pairs": pairs,
        "near_duplicate_bits": NEAR_DUPLICATE_BITS,
        "false_alarms": false_alarms,
        "closest_different_pair_bits": closest,
        "recall": recall,
        "fingerprints_per_second": round(per_second),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
