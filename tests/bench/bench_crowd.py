"""A crowd during a broadcast: 1,000 people each send four commands within a second while
20,000 digests go out at 300 messages a second.

Run: ``python -m tests.bench.bench_crowd [--people N] [--subscribers N] [--rate R] [--runs K]``.

The real bot (``build_application``: the per-chat update processor, the handlers, the
limiter) long-polls the Bot API double, which runs in a child process and keeps
Telegram's limits strictly (one message in any second to a private chat, R in any
second overall, 429 beyond them). The outbox sender drains the planned digests through
the same bot. Two seconds in, every person sends /start, /topics gaza, /timezone
Europe/Kyiv and /time 06:45; during the broadcast 50 subscribers send /story 1.
Figures: every command answered, 429s, duplicate digests, p95 of each person's first
reply (from their first command) and of the answer to their fourth (from when they
sent it), /story p95, the broadcast's achieved share of the limit from its first
digest to its last, and the busiest one-second window. Each run starts afresh from the
same planned outbox; the figures of every run are printed, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bot.app import build_application, start_polling, stop_polling
from bot.delivery.sender import OutboxSender
from bot.runtime.serve import settle_heap
from bot.settings import Settings
from storage import db
from tests.bench.bench_fanout import Double, _plan
from tests.bot.conftest import TOKEN
from tests.botapi import Limits
from tests.botapi.limits import busiest_window
from tests.ops.broadcast import FIRST_CHAT, prepare_broadcast

COMMANDS = ["/start", "/topics gaza", "/timezone Europe/Kyiv", "/time 06:45"]
REPLIES_EACH = len(COMMANDS)  # one reply to each
FIRST_PERSON = 5_000_000
STORY_ASKERS = 50


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else 0.0


async def one_run(
    url: str, double: Double, people: int, subscribers: int, rate: float
) -> dict[str, Any]:
    base_url = double.start(Limits(overall_per_second=int(rate)))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=TOKEN,
        database_url=url,
        bot_api_url=base_url,
        max_messages_per_second=rate,
    )
    engine = db.create_engine(url)
    sessions = db.create_sessionmaker(engine)
    application = build_application(settings, sessions)
    await start_polling(application, poll_timeout=1)
    crowd = list(range(FIRST_PERSON, FIRST_PERSON + people))
    askers = [FIRST_CHAT + i * (subscribers // STORY_ASKERS) for i in range(STORY_ASKERS)]
    try:
        sender = OutboxSender(application.bot, sessions)
        began = time.perf_counter()
        drain = asyncio.create_task(sender.drain())
        await asyncio.sleep(2.0)
        said = await asyncio.to_thread(double.say, [(p, text) for text in COMMANDS for p in crowd])
        asked: dict[int, float] = {}
        for chat in askers:  # /story 1 spread over the broadcast
            await asyncio.sleep(max(0.0, subscribers / rate * 0.8 / STORY_ASKERS))
            [asked[chat]] = await asyncio.to_thread(double.say, [(chat, "/story 1")])
        report = await drain
        broadcast_seconds = time.perf_counter() - began
        expected = people * REPLIES_EACH
        calls: list[Any] = []
        for _ in range(600):  # the crowd's last answers, at their chats' pace
            calls = await asyncio.to_thread(double.calls)
            answered = sum(1 for c in calls if c[0] == "sendMessage" and c[2]
                           and FIRST_PERSON <= c[1] < FIRST_PERSON + people)  # fmt: skip
            if answered >= expected:
                break
            await asyncio.sleep(0.5)
    finally:
        await stop_polling(application)
        await engine.dispose()
    double.report()

    ok = [c for c in calls if c[0] == "sendMessage" and c[2]]
    to: dict[int, list[float]] = defaultdict(list)
    for c in ok:
        to[c[1]].append(c[4])
    first_sent = dict(zip(crowd, said[:people], strict=True))
    fourth_sent = dict(zip(crowd, said[3 * people :], strict=True))
    first = [min(to[p]) - first_sent[p] for p in crowd if to[p]]
    fourth = [max(to[p]) - fourth_sent[p] for p in crowd if to[p]]
    # The /story askers are subscribers too: their answers are not digests.
    digests = Counter(c[1] for c in ok if FIRST_CHAT <= c[1] < FIRST_CHAT + subscribers
                      and c[1] not in asked)  # fmt: skip
    digest_times = sorted(c[4] for c in ok if FIRST_CHAT <= c[1] < FIRST_CHAT + subscribers)
    story = []
    for chat, at in asked.items():
        later = [t for t in to[chat] if t > at]
        if later:
            story.append(min(later) - at)
    span = digest_times[-1] - digest_times[0] if len(digest_times) > 1 else 0.0
    all_sends = [c[4] for c in ok]
    during = sum(1 for t in all_sends if digest_times and digest_times[0] <= t <= digest_times[-1])
    return {
        "broadcast_seconds": round(broadcast_seconds, 1),
        "digests_sent": report.sent,
        "people_fully_answered": sum(1 for p in crowd if len(to[p]) >= REPLIES_EACH),
        "refused_429": sum(1 for c in calls if c[3] == 429),
        "duplicates": sum(n - 1 for n in digests.values()),
        "missing": subscribers - len(asked) - len(digests),
        "first_reply_p95_seconds": round(p95(first), 3),
        "fourth_reply_p95_seconds": round(p95(fourth), 3),
        "story_p95_seconds": round(p95(story), 3),
        # digests and replies share the limit: the whole send rate over the broadcast
        "achieved_share_of_limit": round(during / span / rate, 3) if span else 0.0,
        "busiest_second": busiest_window(all_sends),
    }


async def bench(
    people: int, subscribers: int, rate: float, runs: int, workdir: Path
) -> dict[str, Any]:
    planned = workdir / "planned.db"
    url = f"sqlite+aiosqlite:///{planned}"
    await prepare_broadcast(url, workdir / "feeds.toml", subscribers)
    await _plan(url)
    settle_heap()
    double = Double()
    results = []
    try:
        for run in range(runs):
            copy = workdir / f"run-{run}.db"
            shutil.copy(planned, copy)
            results.append(
                await one_run(f"sqlite+aiosqlite:///{copy}", double, people, subscribers, rate)
            )
            print(f"run {run + 1}: {json.dumps(results[-1])}", flush=True)
    finally:
        double.close()
    figures: dict[str, Any] = {"people": people, "subscribers": subscribers,
                               "limit_per_second": rate, "runs": runs}  # fmt: skip
    for name in results[0]:
        values = [r[name] for r in results]
        figures[name] = statistics.median(values)
        figures[f"{name}_range"] = [min(values), max(values)]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crowd-") as workdir:
        figures = asyncio.run(bench(args.people, args.subscribers, args.rate, args.runs,
                                    Path(workdir)))  # fmt: skip
    goals = {
        "refused_429": "0",
        "duplicates": "0",
        "people_fully_answered": f"{args.people}",
        "first_reply_p95_seconds": "< 1",
        "fourth_reply_p95_seconds": "< 5",
        "story_p95_seconds": "< 0.5",
        "achieved_share_of_limit": ">= 0.97",
        "busiest_second": f"<= {args.rate:g}",
    }
    for name, value in figures.items():
        print(f"{name:>34}: {value}" + (f"   (goal {goals[name]})" if name in goals else ""))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
