"""The sender's own cost per message: claim, load, render, limiter and marks, with no HTTP.

Run: ``python -m tests.bench.bench_send_cost [--subscribers N]``.

The digests of a broadcast are planned into a SQLite outbox and drained by
``OutboxSender`` through a bot whose ``send_message`` goes through our rate
limiter (at a rate that never waits) to an answer that comes at once. What is
left is everything the sender does besides the Bot API request itself. Figures:
microseconds per message of wall time, of the event loop's thread, and of the
whole process (the SQLite driver works in a thread of its own).

Prints figures for people and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.delivery.limiter import BriefbotRateLimiter
from bot.delivery.sender import OutboxSender
from bot.runtime.serve import settle_heap
from storage import db
from tests.bench.bench_fanout import _plan
from tests.ops.broadcast import prepare_broadcast


class InstantBot:
    """``send_message`` through the limiter to an answer that comes at once."""

    def __init__(self) -> None:
        self.rate_limiter = BriefbotRateLimiter(1_000_000.0)
        self.username = "briefbot"  # for channels' links to their stories
        self.sent = 0

    async def send_message(
        self, chat_id: int, text: str, rate_limit_args: Any = None, **_: Any
    ) -> Any:
        async def answer() -> SimpleNamespace:
            await asyncio.sleep(0)
            self.sent += 1
            return SimpleNamespace(message_id=self.sent)

        data = {"chat_id": chat_id, "text": text}
        return await self.rate_limiter.process_request(
            answer, (), {}, "sendMessage", data, rate_limit_args
        )


async def bench(subscribers: int, workdir: Path) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{workdir / 'outbox.db'}"
    await prepare_broadcast(url, workdir / "feeds.toml", subscribers)
    await _plan(url)
    engine = db.create_engine(url)
    bot = InstantBot()
    sender = OutboxSender(bot, db.create_sessionmaker(engine))  # type: ignore[arg-type]
    settle_heap()
    began, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
    report = await sender.drain()
    wall = time.perf_counter() - began
    thread, process = time.thread_time() - thread, time.process_time() - process
    await engine.dispose()
    assert report.sent == subscribers == bot.sent, (report, bot.sent)
    return {
        "subscribers": subscribers,
        "wall_us_per_message": round(wall / subscribers * 1e6, 1),
        "loop_thread_us_per_message": round(thread / subscribers * 1e6, 1),
        "process_us_per_message": round(process / subscribers * 1e6, 1),
        "messages_per_second": round(subscribers / wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-send-cost-") as workdir:
        figures = asyncio.run(bench(args.subscribers, Path(workdir)))
    for name, value in figures.items():
        print(f"{name:>27}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
