"""Benchmark: archive search latency over 100,000 stories on SQLite (goal: p95 < 50 ms).

    python -m tests.bench.bench_search [--stories N] [--queries N]

Builds a throwaway SQLite database migrated to head, fills it with stories
whose words follow a Zipf-like distribution over the seed brief's vocabulary
plus made-up words, then times `search_stories` (limit 10, as /search uses it)
for a mix of common words, rare words, two-word queries, phrases and
exclusions. Loading time is not counted. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from storage import db
from storage.search import parse_query, search_stories

SEED = Path(__file__).resolve().parents[2] / "seeds" / "world-brief_2025-02-12.txt"


def vocabulary(rng: random.Random) -> list[str]:
    words = list(dict.fromkeys(re.findall(r"[A-Za-z]{3,}", SEED.read_text(encoding="utf-8"))))
    made_up = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9))) for _ in range(8000)
    ]
    return words + made_up


def sentence(rng: random.Random, vocab: list[str], weights: list[float], n: int) -> str:
    return " ".join(rng.choices(vocab, weights, k=n))


async def load(url: str, stories: int, rng: random.Random) -> list[str]:
    vocab = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    engine = db.create_engine(url)
    await db.upgrade(engine)
    start = datetime(2026, 11, 29, tzinfo=UTC)
    async with engine.begin() as conn:
        for chunk in range(0, stories, 5000):
            briefs, rows = [], []
            for i in range(chunk, min(chunk + 5000, stories)):
                title = sentence(rng, vocab, weights, rng.randint(3, 8))
                body = sentence(rng, vocab, weights, rng.randint(80, 250))
                key = hashlib.sha256(f"{i}{title}".encode()).hexdigest()
                # ids grow with ingestion time, as they do in a real archive
                at = (start - timedelta(minutes=(stories - i) * 3)).replace(tzinfo=None)
                briefs.append({"id": i + 1, "key": key, "title": title, "at": at})
                rows.append({"id": i + 1, "b": i + 1, "t": title, "x": body, "k": key, "at": at})
            await conn.execute(
                text(
                    "INSERT INTO briefs (id, key, title, ingested_at)"
                    " VALUES (:id, :key, :title, :at)"
                ),
                briefs,
            )
            await conn.execute(
                text(
                    "INSERT INTO stories"
                    " (id, brief_id, position, title, text, content_key, ingested_at)"
                    " VALUES (:id, :b, 1, :t, :x, :k, :at)"
                ),
                rows,
            )
    await engine.dispose()
    return vocab


def queries(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    common, rare = vocab[:200], vocab[len(vocab) // 2 :]
    makers = [
        lambda: rng.choice(common),
        lambda: rng.choice(rare),
        lambda: f"{rng.choice(common)} {rng.choice(common)}",
        lambda: f'"{rng.choice(common)} {rng.choice(common)}"',
        lambda: f"{rng.choice(common)} -{rng.choice(common)}",
    ]
    return [rng.choice(makers)() for _ in range(n)]


async def measure(url: str, batch: list[str]) -> list[float]:
    engine = db.create_engine(url)
    sessions = db.create_sessionmaker(engine)
    timings = []
    async with sessions() as session:
        for raw in batch[:5]:  # warm the page cache
            await search_stories(session, parse_query(raw))
        for raw in batch:
            began = time.perf_counter()
            await search_stories(session, parse_query(raw), limit=10)
            timings.append((time.perf_counter() - began) * 1000)
    await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(20250212)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/search.db"
        began = time.perf_counter()
        vocab = asyncio.run(load(url, args.stories, rng))
        loaded = time.perf_counter() - began
        timings = asyncio.run(measure(url, queries(rng, vocab, args.queries)))
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[18]
    print(f"search over {args.stories:,} stories on SQLite ({args.queries} queries, limit 10)")
    print(f"  loaded in {loaded:.1f} s (not counted)")
    print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(timings):.1f} ms   goal: p95 < 50 ms")
    print(
        json.dumps(
            {
                "benchmark": "search",
                "stories": args.stories,
                "queries": args.queries,
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(max(timings), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
