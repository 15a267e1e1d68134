"""What the Mini App tests share: initData signed as Telegram signs it, and the bot's HTTP
server serving the Mini App for the test's bot.

``signed_init_data`` follows Telegram's description on its own (not the bot's code),
so a mistake in the bot's check cannot hide behind the same mistake here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from bot.runtime.endpoint import start_health_server
from tests.bot.conftest import TOKEN, World

WEBAPP_URL = "https://briefbot.example.org/webapp/"
WITH_WEBAPP = {"webapp_url": WEBAPP_URL}


def init_fields(
    user_id: int, *, auth_date: float | None = None, language: str = "en"
) -> dict[str, str]:
    """The fields Telegram passes a Mini App (before signing)."""
    user = {"id": user_id, "first_name": "Olena", "last_name": "K", "username": "olena",
            "language_code": language, "allows_write_to_pm": True}  # fmt: skip
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(auth_date if auth_date is not None else time.time())),
    }


def sign(fields: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    """``fields`` with the ``hash`` Telegram computes for them under this bot token."""
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return fields | {"hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()}


def signed_init_data(user_id: int, **options: Any) -> str:
    """Genuine initData for ``user_id``, as a query string."""
    return urlencode(sign(init_fields(user_id, **options)))


@asynccontextmanager
async def miniapp_server(world: World) -> AsyncIterator[str]:
    """The bot's HTTP server on a free port of 127.0.0.1; yields the page's URL."""
    runner = await start_health_server(
        world.sessions, lambda: True, host="127.0.0.1", port=0, webapp=world.application
    )
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}/webapp/"
    finally:
        await runner.cleanup()
