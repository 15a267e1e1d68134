"""What hostile input costs: a gzip bomb fetched, a large OPML file imported.

    python -m tests.bench.bench_hostile

1. A 60 MB run of zeros gzipped to about 60 KB, served from 127.0.0.1 and
   fetched with the 10 MB cap: the fetch's peak of traced memory, and the
   same with httpx inflating each network chunk whole (how fetches ran before).
2. ``briefbot feeds import`` of an OPML file with 10,000 outlines (the most
   it takes) into a new SQLite database: the wall time.
The last line is the same figures as JSON.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

from jobs.ingest.fetch import FetchLimits, fetch, make_client
from tests.feedserver import serving

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))


async def bomb_peaks() -> tuple[int, int]:
    limits = FetchLimits()
    bomb = gzip.compress(b"\0" * (60 * 1024 * 1024), compresslevel=9)
    async with serving() as server, make_client(limits, allow_private=True) as client:
        url = server.add("bomb.xml", bomb, encoding="gzip")
        tracemalloc.start()
        result = await fetch(client, url, limits=limits)
        _, ours = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert result.error and "limit" in result.error
        tracemalloc.start()
        async with httpx.AsyncClient() as plain, plain.stream("GET", url) as response:
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    break
        _, whole = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return ours, whole


def opml_import_seconds(outlines: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        body = "".join(
            f'<outline text="Feed {n}" xmlUrl="https://feeds{n % 97}.example.org/{n}.xml"/>'
            for n in range(outlines)
        )
        (where / "big.opml").write_text(f'<opml version="2.0"><body>{body}</body></opml>')
        (where / "feeds.toml").write_text("")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")},
            "BRIEFBOT_DATABASE_URL": f"sqlite+aiosqlite:///{where / 'b.db'}",
            "BRIEFBOT_FEEDS_FILE": str(where / "feeds.toml"),
        }
        subprocess.run(
            [BRIEFBOT, "db", "upgrade"], env=env, cwd=where, check=True, capture_output=True
        )
        began = time.perf_counter()
        done = subprocess.run(
            [BRIEFBOT, "feeds", "import", "big.opml"],
            env=env,
            cwd=where,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - began
        assert done.returncode == 0 and f"{outlines} added" in done.stdout, done.stderr
    return elapsed


def main() -> None:
    ours, whole = asyncio.run(bomb_peaks())
    print(f"gzip bomb (60 MB of zeros, {60 * 1024:,} KB inflated), 10 MB cap:")
    print(f"  our fetch peak     {ours / 1e6:8.1f} MB")
    print(f"  whole-chunk peak   {whole / 1e6:8.1f} MB (httpx inflating each chunk at once)")
    seconds = opml_import_seconds(10_000)
    print(f"feeds import of 10,000 outlines into SQLite: {seconds:.2f} s (the CLI, start to end)")
    print(
        json.dumps(
            {
                "benchmark": "hostile",
                "bomb_peak_mb": round(ours / 1e6, 1),
                "bomb_peak_whole_chunk_mb": round(whole / 1e6, 1),
                "opml_10000_import_s": round(seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
