"""The whole ingest over HTTP: the corpus feeds served on 127.0.0.1 into a new SQLite file.

    python -m tests.bench.bench_ingest_http

Three runs over the same feeds: the first stores everything, the second gets
304 Not Modified for every feed (the server gave ETags), the third downloads
every feed again (the server dropped its ETags) and finds every item known. The last line is
the same figures as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobs.catalogue import load_topics, prepare_database
from jobs.ingest.fetch import make_client
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.store import IngestOptions
from jobs.ingest.tag import Tagger
from storage import db
from storage import feeds as feed_store
from tests.conftest import CORPUS, SEEDS
from tests.feedserver import serving


async def measure(folder: Path) -> dict[str, float]:
    (folder / "feeds.toml").write_text("")
    engine = db.create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await prepare_database(engine, SEEDS / "topics.toml", folder / "feeds.toml")
    sessions = db.create_sessionmaker(engine)
    tagger = Tagger(load_topics(SEEDS / "topics.toml"))
    options = IngestOptions(max_articles=0)  # the corpus items link to the internet
    figures: dict[str, float] = {}
    async with serving() as server, make_client(options.limits, allow_private=True) as client:
        feeds = sorted((CORPUS / "feeds" / "good").iterdir())
        async with sessions.begin() as session:
            for i, path in enumerate(feeds):
                url = server.add(path.name, path.read_bytes(), content_type="application/xml")
                server.pages[path.name].etag = f'"{i}"'
                await feed_store.add_feed(session, url)
        now = datetime.now(UTC)
        for run, name in enumerate(("first", "not_modified", "known")):
            if run == 2:  # the server drops its validators: full downloads, nothing new
                for page in server.pages.values():
                    page.etag = None
            started = time.perf_counter()
            reports = await ingest_due_feeds(
                sessions, client, tagger, now + timedelta(hours=run), options=options
            )
            figures[f"{name}_seconds"] = round(time.perf_counter() - started, 3)
            if run == 0:
                figures["feeds"] = len(reports)
                figures["stories"] = sum(r.new for r in reports)
                figures["failed"] = sum(r.error is not None for r in reports)
    await engine.dispose()
    figures["stories_per_second"] = round(figures["stories"] / figures["first_seconds"])
    return figures


def main() -> int:
    if not (CORPUS / "feeds").is_dir():
        print(f"no corpus at {CORPUS}; nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(measure(Path(folder)))
    print(
        f"{figures['feeds']:.0f} corpus feeds over HTTP into SQLite "
        f"({figures['failed']:.0f} failed)"
    )
    print(
        f"first run: {figures['stories']:.0f} stories in {figures['first_seconds']}s "
        f"({figures['stories_per_second']:.0f} stories/s: fetch, parse, split, tag, store)"
    )
    print(f"again, every item known: {figures['known_seconds']}s")
    print(f"again, every feed answering 304: {figures['not_modified_seconds']}s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
