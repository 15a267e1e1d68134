"""Fan-out: a digest broadcast to 20,000 subscribers at 300 messages a second, and its overhead.

Run: ``python -m tests.bench.bench_fanout [--subscribers N] [--rate R] [--rounds K] [--ptb-path]``.

The Bot API double runs in a child process (its own core on a 2-core machine,
as Telegram would be elsewhere) and answers 429 when its limits are broken.
The digests are planned into a SQLite outbox, then:

1. limited: ``OutboxSender`` drains the outbox through a PTB ``ExtBot`` with
   ``BriefbotRateLimiter(R)`` against the double with an overall limit of R/s
   (Telegram's rules, strictly: sliding windows), while 50 ``/story``-like replies to
   other chats are sent during the broadcast. Figures: achieved rate as a share
   of the limit, 429s, duplicates, p95 reply latency. The sender broadcasts on its lean
   request path (``bot.delivery.wire``); with ``--ptb-path`` the same broadcast runs
   again right after through PTB's ``send_message``, side by side.
2. unlimited: the same planned outbox (a fresh copy of the file each time)
   drained again with a limiter at a very high rate against a double without
   limits, and plain loops of ``bot.send_message`` sending the same message
   (text, buttons, no link preview) to the same chats: ``asyncio.gather`` over
   chunks of the sender's batch size, of 8 and of 2 sends at once. Ours and the
   loops take turns, K rounds; the first round runs every loop, later rounds
   only the one that was fastest in the first. Figure: the median over the
   rounds of our throughput as a ratio to the fastest plain loop of the round.

Prints figures for people and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from telegram.constants import ParseMode
from telegram.ext import ExtBot

from bot.delivery.limiter import BriefbotRateLimiter
from bot.delivery.messages import NO_PREVIEW
from bot.delivery.sender import OutboxSender
from bot.runtime.serve import settle_heap
from jobs.plan import plan_due_digests
from storage import db
from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble, Limits
from tests.botapi.limits import busiest_window
from tests.ops.broadcast import FIRST_CHAT, prepare_broadcast

REPLIES = 50
REPLY_CHAT = 9_000_000
UNLIMITED = 1_000_000.0
BATCH = 200  # the sender's default batch, and the plain loop's chunk
PLAIN_CHUNKS = (BATCH, 8, 2)  # plain loops: sends under way at once


# -- the double, in its own process ------------------------------------------------------------


def _serve_double(conn: Connection) -> None:
    asyncio.run(_double_loop(conn))


async def _double_loop(conn: Connection) -> None:
    """Commands: ("start", Limits | None) -> base_url; ("say", [(chat, text)...]) -> the
    time each was sent; ("calls",) -> calls so far; ("report",) -> calls; ("stop",)."""
    loop = asyncio.get_running_loop()
    api: BotApiDouble | None = None
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "start":
            api = BotApiDouble(limits=command[1])
            await api.__aenter__()
            conn.send(api.base_url)
        elif command[0] == "say" and api is not None:
            said = []
            for chat, text in command[1]:
                await api.user_sends(chat, text)
                said.append(api.clock())
            conn.send(said)
        elif command[0] == "calls" and api is not None:
            conn.send([(c.method, c.chat_id, c.ok, c.error_code, c.at) for c in api.calls])
        elif command[0] == "report" and api is not None:
            sample = next(iter(api.messages.values()), None)
            calls = [(c.method, c.chat_id, c.ok, c.error_code, c.at) for c in api.calls]
            conn.send((calls, (sample.html, sample.markup) if sample else None))
        elif command[0] == "stop":
            if api is not None:
                await api.__aexit__(None, None, None)
                api = None
            conn.send("stopped")
        else:
            return


class Double:
    """The parent's handle on the double in the child process."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_serve_double, args=(child,), daemon=True)
        self.process.start()

    def start(self, limits: Limits | None) -> str:
        self.conn.send(("start", limits))
        return str(self.conn.recv())

    def say(self, messages: list[tuple[int, str]]) -> list[float]:
        """People send these messages, in order; when each was sent (the double's clock)."""
        self.conn.send(("say", messages))
        return list(self.conn.recv())

    def calls(self) -> list[tuple[str, Any, bool, int | None, float]]:
        self.conn.send(("calls",))
        return list(self.conn.recv())

    def report(self) -> tuple[list[tuple[str, Any, bool, int | None, float]], Any]:
        self.conn.send(("report",))
        calls, sample = self.conn.recv()
        self.conn.send(("stop",))
        self.conn.recv()
        return calls, sample

    def close(self) -> None:
        self.conn.send(("quit",))
        self.process.join(10)


# -- the runs ------------------------------------------------------------------------------------


@dataclass
class Limited:
    seconds: float
    sent: int
    share: float
    refused_429: int
    duplicates: int
    missing: int
    reply_p95: float
    reply_max: float
    busiest_second: int


async def _plan(url: str) -> float:
    engine = db.create_engine(url)
    began = time.perf_counter()
    async with db.create_sessionmaker(engine).begin() as session:
        await plan_due_digests(
            session, datetime.now(UTC), lookback=timedelta(hours=48), max_stories=10
        )
    await engine.dispose()
    return time.perf_counter() - began


async def _drain(
    url: str, base_url: str, rate: float, replies_over: float | None, lean: bool = True
) -> list[float]:
    """Drain the outbox through a limited ExtBot; send replies meanwhile; their latencies."""
    engine = db.create_engine(url)
    bot: ExtBot[None] = ExtBot(TOKEN, base_url=base_url, rate_limiter=BriefbotRateLimiter(rate))
    await bot.initialize()
    latencies: list[float] = []

    async def reply(i: int) -> None:
        await asyncio.sleep(i * replies_over / REPLIES if replies_over else 0)
        asked = time.perf_counter()
        await bot.send_message(REPLY_CHAT + i, f"Story {i}, as you asked")
        latencies.append(time.perf_counter() - asked)

    try:
        sender = OutboxSender(bot, db.create_sessionmaker(engine), batch_size=BATCH, lean=lean)
        replies = [reply(i) for i in range(REPLIES)] if replies_over else []
        await asyncio.gather(sender.drain(), *replies)
    finally:
        await bot.shutdown()
        await engine.dispose()
    return latencies


async def run_limited(
    url: str, double: Double, subscribers: int, rate: float, lean: bool = True
) -> Limited:
    base_url = double.start(Limits(overall_per_second=int(rate)))
    began = time.perf_counter()
    latencies = await _drain(url, base_url, rate, subscribers / rate * 0.9, lean)
    seconds = time.perf_counter() - began
    calls, _ = double.report()
    ok = [c for c in calls if c[0] == "sendMessage" and c[2]]
    window = max(c[4] for c in ok) - min(c[4] for c in ok)
    per_chat = Counter(c[1] for c in ok if FIRST_CHAT <= c[1] < FIRST_CHAT + subscribers)
    latencies.sort()
    return Limited(
        seconds=seconds,
        sent=len(per_chat),
        share=(len(ok) - 1) / window / rate if window else 0.0,
        refused_429=sum(1 for c in calls if c[3] == 429),
        duplicates=sum(n - 1 for n in per_chat.values()),
        missing=subscribers - len(per_chat),
        reply_p95=latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else 0.0,
        reply_max=latencies[-1] if latencies else 0.0,
        busiest_second=busiest_window([c[4] for c in ok]),
    )


async def _plain_loop(base_url: str, chats: list[int], sample: Any, chunk: int) -> None:
    bot: ExtBot[None] = ExtBot(TOKEN, base_url=base_url)
    await bot.initialize()
    html, markup = sample
    try:
        for start in range(0, len(chats), chunk):
            await asyncio.gather(
                *(
                    bot.send_message(
                        chat,
                        html,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        link_preview_options=NO_PREVIEW,
                    )
                    for chat in chats[start : start + chunk]
                )
            )
    finally:
        await bot.shutdown()


async def run_unlimited(
    planned: Path, workdir: Path, double: Double, subscribers: int, rounds: int
) -> dict[str, Any]:
    """Ours and the plain loops in turns, ``rounds`` times, each of ours on a fresh copy
    of the planned outbox: the machine's speed drifts, so each round's ratio compares
    runs a few seconds apart, and the median of the rounds is the figure. Each round
    after the first runs only the plain loop that was fastest in the first."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + subscribers))
    ours: list[float] = []
    plain: dict[int, list[float]] = {chunk: [] for chunk in PLAIN_CHUNKS}
    ratios: list[float] = []
    chunks = PLAIN_CHUNKS
    for round in range(rounds):
        copy = workdir / f"unlimited-{round}.db"
        shutil.copy(planned, copy)
        base_url = double.start(None)
        began = time.perf_counter()
        await _drain(f"sqlite+aiosqlite:///{copy}", base_url, UNLIMITED, replies_over=None)
        ours.append(subscribers / (time.perf_counter() - began))
        _, sample = double.report()
        for chunk in chunks:
            base_url = double.start(None)
            began = time.perf_counter()
            await _plain_loop(base_url, chats, sample, chunk)
            plain[chunk].append(subscribers / (time.perf_counter() - began))
            double.report()
        fastest = max(chunks, key=lambda chunk: plain[chunk][-1])
        ratios.append(ours[-1] / plain[fastest][-1])
        chunks = (fastest,)
    return {
        "ours_per_second": statistics.median(ours),
        "plain": {chunk: statistics.median(rates) for chunk, rates in plain.items()},
        "ratios": ratios,
        "ratio": statistics.median(ratios),
    }


async def bench(
    subscribers: int, rate: float, rounds: int, workdir: Path, ptb_path: bool = False
) -> dict[str, Any]:
    limited_db, planned_db = workdir / "limited.db", workdir / "planned.db"
    url = f"sqlite+aiosqlite:///{limited_db}"
    await prepare_broadcast(url, workdir / "feeds.toml", subscribers)
    planning = await _plan(url)
    shutil.copy(limited_db, planned_db)
    settle_heap()  # as `briefbot run` does once started, for ours and the plain loops alike
    double = Double()
    try:
        limited = await run_limited(url, double, subscribers, rate)
        if ptb_path:  # the same broadcast through PTB's send_message, right after
            copy = workdir / "ptb-path.db"
            shutil.copy(planned_db, copy)
            through_ptb = await run_limited(
                f"sqlite+aiosqlite:///{copy}", double, subscribers, rate, lean=False
            )
        unlimited = await run_unlimited(planned_db, workdir, double, subscribers, rounds)
    finally:
        double.close()
    extra: dict[str, Any] = {}
    if ptb_path:
        extra = {
            "ptb_path_share_of_limit": round(through_ptb.share, 3),
            "ptb_path_refused_429": through_ptb.refused_429,
            "ptb_path_busiest_second": through_ptb.busiest_second,
        }
    return {
        "subscribers": subscribers,
        "limit_per_second": rate,
        "planning_seconds": round(planning, 2),
        "broadcast_seconds": round(limited.seconds, 1),
        "achieved_share_of_limit": round(limited.share, 3),
        "refused_429": limited.refused_429,
        "busiest_second": limited.busiest_second,
        "duplicates": limited.duplicates,
        "missing": limited.missing,
        "reply_p95_seconds": round(limited.reply_p95, 3),
        "reply_max_seconds": round(limited.reply_max, 3),
        "unlimited_ours_per_second": round(unlimited["ours_per_second"]),
        **{
            f"unlimited_plain_{chunk}_at_once_per_second": round(rate)
            for chunk, rate in unlimited["plain"].items()
        },
        "unlimited_ratio_each_round": [round(r, 3) for r in unlimited["ratios"]],
        "unlimited_ratio": round(unlimited["ratio"], 3),
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=300.0, help="the overall limit, per second")
    parser.add_argument("--rounds", type=int, default=3, help="turns of ours and the plain loop")
    parser.add_argument(
        "--ptb-path",
        action="store_true",
        help="also broadcast through PTB's send_message (the sender's path for replies)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as workdir:
        figures = asyncio.run(
            bench(args.subscribers, args.rate, args.rounds, Path(workdir), args.ptb_path)
        )
    goals = {
        "achieved_share_of_limit": ">= 0.97",
        "busiest_second": f"<= {args.rate:g}",
        "refused_429": "0",
        "duplicates": "0",
        "reply_p95_seconds": "< 1",
        "unlimited_ratio": ">= 0.9",
    }
    for name, value in figures.items():
        print(f"{name:>38}: {value}" + (f"   (goal {goals[name]})" if name in goals else ""))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
