"""The cost of grouping one story into events, at the start of a month and at its end.

    python -m tests.bench.bench_events [--per-day N] [--days D] [--hours H]

Feeds the grouper (``jobs.events.grouper``) 10,000 stories a day for 30 days
(by default), with the 36-hour window: made-up stories of made-up events, each
event reported by one to five outlets over a few hours, with names, places and
numbers drawn from pools large enough that unrelated stories share some of
them, as real ones share "Gaza" or "Trump". A story's cost is its features,
the match against its candidates and its addition to the index, in CPU time
(the machine is shared: wall time would measure the neighbours). Prints the
mean and p95 cost per story on the first and the last day, the index's size and
the process's resident memory at the end of each day, and as its last line the same
figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from jobs.events.features import features
from jobs.events.grouper import Grouper

START = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = [f"w{i}" for i in range(6000)]  # common words of the language
NAMES = [f"Name{i}" for i in range(40000)]  # people, places, organisations
THEMES = [f"Theme{i}" for i in range(300)]  # "Gaza", "Trump": names many stories share
OPEN_EVENTS = 2000  # events still being reported at any time


def resident_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def make_event(rng: random.Random) -> tuple[list[str], list[str]]:
    names = [*rng.sample(NAMES, 4), rng.choice(THEMES), str(rng.randrange(2, 500))]
    return names, rng.sample(WORDS, 12)


def story(rng: random.Random, names: list[str], words: list[str]) -> tuple[str, str]:
    """One outlet's version: some of the event's names and words, and its own."""
    own = rng.sample(WORDS, 25) + rng.sample(NAMES, 2) + [rng.choice(THEMES)]
    mine = rng.sample(names, 4) + rng.sample(words, 8)
    title = " ".join(rng.sample(mine, 6)).capitalize()
    body = own + mine
    rng.shuffle(body)
    sentences = [" ".join(body[i : i + 12]) for i in range(0, len(body), 12)]
    return title, "The " + ". The ".join(sentences) + "."


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--hours", type=float, default=36)
    args = parser.parse_args(argv)
    rng = random.Random(17)
    grouper = Grouper(window=timedelta(hours=args.hours))
    step = timedelta(days=1) / args.per_day
    per_day: list[dict[str, float]] = []
    live: list[tuple[list[str], list[str], int]] = []  # open events: names, words, stories left
    serial = 0
    for day in range(args.days):
        costs = []
        for i in range(args.per_day):
            at = START + day * timedelta(days=1) + i * step
            if not live or rng.random() < 0.4:
                names, words = make_event(rng)
                live.append((names, words, rng.randint(1, 5)))
                if len(live) > OPEN_EVENTS:
                    live.pop(0)  # the oldest has had its reports
            k = rng.randrange(len(live))
            names, words, left = live[k]
            live[k] = (names, words, left - 1)
            if left <= 1:
                live.pop(k)
            title, text = story(rng, names, words)
            started = time.process_time()
            feats = features(title, text)
            found = grouper.match(feats, at)
            grouper.add(serial, feats, at, found.event if found else serial)
            costs.append((time.process_time() - started) * 1000)
            serial += 1
        costs.sort()
        per_day.append(
            {
                "mean_ms": round(statistics.fmean(costs), 3),
                "p95_ms": round(costs[int(len(costs) * 0.95)], 3),
                "indexed": len(grouper),
                "memory_mb": resident_mb(),
            }
        )
        print(f"day {day + 1:>2}: {json.dumps(per_day[-1])}", flush=True)
    first, last = per_day[0], per_day[-1]
    settled = per_day[min(2, len(per_day) - 1)]  # the window is full from the second day
    figures = {
        "stories": serial,
        "per_day": args.per_day,
        "days": args.days,
        "window_hours": args.hours,
        "first_day_mean_ms": first["mean_ms"],
        "first_day_p95_ms": first["p95_ms"],
        "last_day_mean_ms": last["mean_ms"],
        "last_day_p95_ms": last["p95_ms"],
        "memory_mb_day3": settled["memory_mb"],
        "memory_mb_last_day": last["memory_mb"],
        "indexed_last_day": last["indexed"],
    }
    print(
        f"\n{serial:,} stories: {first['mean_ms']} ms a story on day 1 "
        f"(p95 {first['p95_ms']}), {last['mean_ms']} ms on day {args.days} "
        f"(p95 {last['p95_ms']}); memory {settled['memory_mb']} MB on day "
        f"{min(3, args.days)}, {last['memory_mb']} MB on day {args.days}; "
        f"{last['indexed']:,} stories in the index"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
