"""500 newsletter emails in one Dovecot mailbox polled into a new SQLite file.

    python -m tests.bench.bench_mailbox

The messages are the corpus's HTML newsletters (our own stories where the
corpus is absent), each sent as a different issue. Prints messages per
second for the whole poll, and how the time divides: the same IMAP commands
alone (search, sizes and Message-IDs, bodies, flags) against the same server,
reading, splitting and tagging the same bytes without a server or database,
and the rest (storing, the ingest's own bookkeeping). The process's CPU
time for the poll and for the reading alone is printed too: on a shared
machine it moves less than the clock does. The corpus has fewer
newsletters than 500, so most issues repeat stories already stored and count
as duplicates. The last line is the
figures as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from jobs.catalogue import load_topics, prepare_database
from jobs.ingest.emails import read_message
from jobs.ingest.mailbox import MailOptions
from jobs.ingest.run import ingest_due_feeds
from jobs.ingest.store import prepare_brief
from jobs.ingest.tag import Tagger
from storage import db
from storage import feeds as feed_store
from tests.conftest import CORPUS, SEEDS
from tests.mailbuild import STORIES, message, newsletter_html
from tests.mailserver import PASSWORD, Dovecot, unavailable

COUNT = 500


def messages() -> list[bytes]:
    pages = sorted((CORPUS / "briefs").glob("*.html")) if CORPUS.is_dir() else []
    bodies = [p.read_text(encoding="utf-8") for p in pages] or [newsletter_html()]
    out = []
    for i in range(COUNT):
        html = bodies[i % len(bodies)].replace("</body>", f"<p>Issue {i}.</p></body>")
        if len(bodies) == 1:
            html = newsletter_html([(f"{t} ({i})", f"{x} Issue {i}.") for t, x in STORIES])
        out.append(message(subject=f"Issue {i}", html=html, text="(HTML)", image=False).as_bytes())
    return out


def imap_alone(server: Dovecot) -> float:
    """The IMAP commands a poll sends, alone: search, sizes and ids, bodies, flags."""
    imap = server.client()
    imap.select_folder("INBOX")
    imap.remove_flags(imap.search(["ALL"]), [b"\\Seen"])
    began = time.perf_counter()
    uids = imap.search(["UNSEEN"])
    imap.fetch(uids, ["RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    for start in range(0, len(uids), 20):
        batch = uids[start : start + 20]
        imap.fetch(batch, ["BODY.PEEK[]"])
        imap.add_flags(batch, [b"\\Seen"])
    took = time.perf_counter() - began
    imap.logout()
    return took


async def measure(folder: Path, server: Dovecot) -> dict[str, float]:
    (folder / "feeds.toml").write_text("")
    engine = db.create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await prepare_database(engine, SEEDS / "topics.toml", folder / "feeds.toml")
    sessions = db.create_sessionmaker(engine)
    tagger = Tagger(load_topics(SEEDS / "topics.toml"))
    data = messages()
    imap = server.client()
    for raw in data:
        imap.append("INBOX", raw)
    imap.logout()
    async with sessions.begin() as session:
        await feed_store.add_feed(session, server.url())
    now = datetime.now(UTC)
    mail = MailOptions(password=PASSWORD, insecure=True)
    async with httpx.AsyncClient() as client:
        began, cpu = time.perf_counter(), time.process_time()
        [report] = await ingest_due_feeds(sessions, client, tagger, now, mail=mail)
        poll, poll_cpu = time.perf_counter() - began, time.process_time() - cpu
    await engine.dispose()
    began, cpu = time.perf_counter(), time.process_time()
    for raw in data:
        mail_brief = read_message(raw)
        prepare_brief(f"mail:{mail_brief.source}", mail_brief.brief, tagger, None, now)
    reading, reading_cpu = time.perf_counter() - began, time.process_time() - cpu
    imap_seconds = imap_alone(server)
    rest = max(poll - reading - imap_seconds, 0.0)
    return {
        "messages": COUNT,
        "stories": report.new,
        "duplicates": report.duplicates + report.near_duplicates,
        "megabytes": round(sum(map(len, data)) / 1e6, 1),
        "poll_s": round(poll, 2),
        "messages_per_s": round(COUNT / poll, 1),
        "poll_cpu_s": round(poll_cpu, 2),
        "parse_split_tag_cpu_s": round(reading_cpu, 2),
        "imap_s": round(imap_seconds, 2),
        "parse_split_tag_s": round(reading, 2),
        "store_and_rest_s": round(rest, 2),
        "imap_share": round(imap_seconds / poll, 3),
        "parse_split_tag_share": round(reading / poll, 3),
        "store_and_rest_share": round(rest / poll, 3),
    }


def main() -> int:
    if why := unavailable():
        print(f"skipped: {why}")
        print(json.dumps({"skipped": why}))
        return 0
    server = Dovecot().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            figures = asyncio.run(measure(Path(folder), server))
    finally:
        server.stop()
    print(
        f"{figures['messages']} messages ({figures['megabytes']} MB): {figures['stories']} new "
        f"stories, {figures['duplicates']} duplicates (the corpus's newsletters repeat), "
        f"in {figures['poll_s']} s: {figures['messages_per_s']} messages/s"
    )
    print(
        f"IMAP {figures['imap_share']:.0%}, parse + split + tag "
        f"{figures['parse_split_tag_share']:.0%}, store and the rest "
        f"{figures['store_and_rest_share']:.0%}"
    )
    print(
        f"CPU time of this process (steadier than the clock on a busy machine): poll "
        f"{figures['poll_cpu_s']} s, of which parse + split + tag about "
        f"{figures['parse_split_tag_cpu_s']} s"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
