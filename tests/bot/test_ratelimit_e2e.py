"""The rate limiter end to end: a real ExtBot against the Bot API double and its limits."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from telegram.ext import ExtBot

from bot.delivery.limiter import BriefbotRateLimiter
from tests.botapi import BotApiDouble, Limits

TOKEN = "123456789:TEST-token-for-the-double-0123456789"


async def test_a_broadcast_keeps_every_limit_and_a_reply_still_goes_out_at_once() -> None:
    async with BotApiDouble(limits=Limits()) as api:
        bot: ExtBot[Any] = ExtBot(
            TOKEN, base_url=api.base_url, rate_limiter=BriefbotRateLimiter(30)
        )
        await bot.initialize()
        try:
            broadcast = [
                bot.send_message(
                    1000 + i % 20, f"digest {i}", rate_limit_args={"priority": "broadcast"}
                )
                for i in range(100)
            ]

            async def reply_later() -> float:
                await asyncio.sleep(0.5)
                asked = time.monotonic()
                await bot.send_message(7, "story 2, as you asked")
                return time.monotonic() - asked

            *_, reply_took = await asyncio.gather(*broadcast, reply_later())
        finally:
            await bot.shutdown()

    refused = [c for c in api.calls if c.error_code == 429]
    assert refused == []
    assert len(api.calls_to("sendMessage")) == 101
    assert reply_took < 0.5, "the reply did not queue behind the broadcast"
    assert api.busiest_second() <= 30
    for chat in range(1000, 1020):
        times = sorted(c.at for c in api.calls_to("sendMessage") if c.chat_id == chat)
        assert len(times) == 5
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times)), (
            "one message in any second per private chat"
        )
