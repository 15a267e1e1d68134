"""Benchmark: planning the digests of 100,000 and 1,000,000 subscribers, SQLite and PostgreSQL.

Fixture: N subscribers in eight time zones, every one due now, each
following one to three of the default topics (seeds/topics.toml), one in ten
with their own keywords too; 300 stories in 30 briefs over the last 40 hours,
each tagged with one or two topics, some carrying subscriber keywords.
Loading is not timed. Planning runs in a child process, which reports the
seconds from the start of the transaction to its commit and its own peak
resident memory; then it adds 100 new stories and plans the next day
(everyone due again, with yesterday's deliveries to skip), the steady state.
Each size gets a fresh database (a file in the temporary directory, a
throwaway PostgreSQL database), removed when it is done.

    python -m tests.bench.bench_plan [--subscribers N [N ...]] [--backend sqlite|postgresql]

Goal: 1,000,000 subscribers under 30 s each day on PostgreSQL, peak memory
under 300 MB, and the same memory at every size. Last line: the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from jobs.catalogue import load_topics, prepare_database
from jobs.plan import plan_due_digests
from storage import db
from storage.models import (
    Brief,
    Story,
    StoryKeyword,
    StoryTopic,
    Subscriber,
    SubscriberKeyword,
    SubscriberTopic,
)
from tests.conftest import POSTGRES_URL, SEEDS, _asyncpg_dsn

NOW = datetime(2026, 2, 12, 12, 0, tzinfo=UTC)
ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Africa/Lagos",
    "Atlantic/Azores",
    "America/Sao_Paulo",
]
KEYWORDS = [f"keyword{i}" for i in range(50)]
STORIES, BRIEFS = 300, 30
NEXT_DAY_BRIEFS = 10  # 100 new stories before the next day's run
CHUNK = 20_000
SUBSCRIBER_TABLES = (Subscriber, SubscriberTopic, SubscriberKeyword)
GOAL_SECONDS, GOAL_MB = 30.0, 300  # at a million subscribers
SAME_MEMORY_MB = 20  # "the same memory": the peaks of all sizes within this of each other


def _subscriber_chunks(
    count: int, rng: random.Random, slugs: list[str]
) -> Iterator[tuple[list, list, list]]:
    """The subscribers, their follows and their keywords, ``CHUNK`` subscribers at a time."""
    for first in range(1, count + 1, CHUNK):
        subscribers, follows, keywords = [], [], []
        for sid in range(first, min(first + CHUNK, count + 1)):
            subscribers.append(
                {
                    "id": sid,
                    "chat_id": 10_000_000 + sid,
                    "chat_type": "private",
                    "timezone": rng.choice(ZONES),
                    "digest_time": clock(rng.randint(6, 8), rng.choice([0, 15, 30, 45])),
                    "mode": "digest",
                    "state": "active",
                    "created_at": NOW - timedelta(days=30),
                    "updated_at": NOW - timedelta(days=30),
                }
            )
            follows += [
                {"subscriber_id": sid, "topic_slug": s}
                for s in rng.sample(slugs, rng.randint(1, 3))
            ]
            if rng.random() < 0.1:
                keywords += [
                    {"subscriber_id": sid, "keyword": k}
                    for k in rng.sample(KEYWORDS, rng.randint(1, 2))
                ]
        yield subscribers, follows, keywords


def _story_rows(
    rng: random.Random, slugs: list[str], first: int, count: int, start: datetime
) -> tuple[list, list, list, list]:
    """``count`` briefs of ten stories from brief id ``first``, 80 minutes apart from ``start``."""
    briefs, stories, tags, words = [], [], [], []
    per_brief = STORIES // BRIEFS
    for b in range(first, first + count):
        ingested = start + timedelta(minutes=80 * (b - first + 1))
        briefs.append(
            {"id": b, "key": f"brief-{b}", "title": f"Brief {b}", "ingested_at": ingested}
        )
        for p in range(1, per_brief + 1):
            sid = (b - 1) * per_brief + p
            stories.append(
                {
                    "id": sid,
                    "brief_id": b,
                    "position": p,
                    "title": f"Story {sid}",
                    "text": "Text.",
                    "content_key": f"story-{sid}",
                    "ingested_at": ingested,
                }
            )
            tags += [
                {"story_id": sid, "topic_slug": s, "terms": [s]}
                for s in rng.sample(slugs, rng.randint(1, 2))
            ]
            words += [
                {"story_id": sid, "keyword": k, "terms": [k]}
                for k in KEYWORDS
                if rng.random() < 0.03
            ]
    return briefs, stories, tags, words


async def _insert(connection: AsyncConnection, model: Any, rows: list) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(model), rows[start : start + CHUNK])


async def load(url: str, subscribers: int) -> None:
    """A migrated database with the fixture rows (not timed)."""
    rng = random.Random(20260212)
    slugs = [t.slug for t in load_topics(SEEDS / "topics.toml")]
    engine = db.create_engine(url)
    try:
        await prepare_database(engine, SEEDS / "topics.toml", SEEDS / "feeds.toml")
        # Generated and written a chunk at a time, so loading a million subscribers
        # does not hold them all in memory.
        for chunk in _subscriber_chunks(subscribers, rng, slugs):
            async with engine.begin() as connection:
                for model, rows in zip(SUBSCRIBER_TABLES, chunk, strict=True):
                    await _insert(connection, model, rows)
        briefs, stories, tags, words = _story_rows(rng, slugs, 1, BRIEFS, NOW - timedelta(hours=40))
        async with engine.begin() as connection:
            for model, rows in zip(
                (Brief, Story, StoryTopic, StoryKeyword),
                (briefs, stories, tags, words),
                strict=True,
            ):
                await _insert(connection, model, rows)
        if url.startswith("postgresql"):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


async def _plan(sessions: async_sessionmaker[AsyncSession], now: datetime) -> tuple[float, Any]:
    started = time.perf_counter()
    async with sessions.begin() as session:
        report = await plan_due_digests(session, now, lookback=timedelta(hours=48), max_stories=10)
    return time.perf_counter() - started, report


async def plan_once(url: str) -> dict[str, float]:
    """Plan everything due at NOW, then (after new briefs) the next day; the child runs this."""
    engine = db.create_engine(url)
    sessions = db.create_sessionmaker(engine)
    try:
        seconds, report = await _plan(sessions, NOW)
        rng = random.Random(20260213)
        slugs = [t.slug for t in load_topics(SEEDS / "topics.toml")]
        rows = _story_rows(rng, slugs, BRIEFS + 1, NEXT_DAY_BRIEFS, NOW)
        async with engine.begin() as connection:
            for model, batch in zip((Brief, Story, StoryTopic, StoryKeyword), rows, strict=True):
                await connection.execute(insert(model), batch)
        next_seconds, next_report = await _plan(sessions, NOW + timedelta(days=1))
    finally:
        await engine.dispose()
    peak_kb = _peak_kb()
    return {
        "seconds": round(seconds, 3),
        "peak_mb": round(peak_kb / 1024, 1),
        "digests": report.digests,
        "stories": report.stories,
        "next_day_seconds": round(next_seconds, 3),
        "next_day_digests": next_report.digests,
        "next_day_stories": next_report.stories,
    }


def _peak_kb() -> int:
    """This process's own peak resident memory in KiB.

    Linux's ``ru_maxrss`` of a process started by ``subprocess`` also counts the
    parent's peak from before the exec, so the child reads its address space's
    high-water mark instead.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(status.split("VmHWM:")[1].split()[0])


def run_child(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_plan", "--child", url],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"planning failed in the child process:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


async def _new_postgres_database() -> str:
    name = f"briefbot_bench_{int(time.time())}"
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_postgres_database(name: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def bench_backend(backend: str, subscribers: int) -> dict[str, float]:
    from sqlalchemy.engine import make_url

    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            started = time.perf_counter()
            asyncio.run(load(url, subscribers))
            loaded = time.perf_counter() - started
            return {"load_seconds": round(loaded, 1), **run_child(url)}
    name = asyncio.run(_new_postgres_database())
    try:
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        started = time.perf_counter()
        asyncio.run(load(url, subscribers))
        loaded = time.perf_counter() - started
        return {"load_seconds": round(loaded, 1), **run_child(url)}
    finally:
        asyncio.run(_drop_postgres_database(name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", metavar="N")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(plan_once(args.child))))
        return
    sizes = args.subscribers or [100_000, 1_000_000]
    figures: dict[str, object] = {"subscribers": sizes, "stories": STORIES}
    for backend in args.backend or ["sqlite", "postgresql"]:
        results = {}
        for size in sizes:
            result = bench_backend(backend, size)
            results[str(size)] = result
            print(
                f"{backend:>10} {size:>9,}: {result['digests']:,} digests with "
                f"{result['stories']:,} stories in {result['seconds']:.2f} s; the next day, "
                f"with 100 new stories and yesterday's deliveries, {result['next_day_digests']:,} "
                f"digests with {result['next_day_stories']:,} stories in "
                f"{result['next_day_seconds']:.2f} s; peak {result['peak_mb']:.0f} MB "
                f"(loading took {result['load_seconds']} s, not counted)",
                flush=True,
            )
        peaks = [r["peak_mb"] for r in results.values()]
        spread = round(max(peaks) - min(peaks), 1)
        print(
            f"{backend:>10}: peak memory {min(peaks):.0f}-{max(peaks):.0f} MB across sizes "
            f"(goal < {GOAL_MB} MB, within {SAME_MEMORY_MB} MB of each other); goal at "
            f"1,000,000: under {GOAL_SECONDS:.0f} s each day",
            flush=True,
        )
        figures[backend] = {**results, "peak_spread_mb": spread}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
