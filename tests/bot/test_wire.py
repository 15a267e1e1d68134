"""The broadcast's lean request path against a real HTTP server: what Telegram gets, and
every kind of answer understood as PTB would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.delivery.wire import Wire


class Server:
    """Answers each POST with the next prepared answer and keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[web.StreamResponse] = []
        self.peers: set[Any] = set()
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(await request.json())
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        answer = self.answers.pop(0)
        if isinstance(answer, web.Response) and answer.headers.get("X-Chunked"):
            stream = web.StreamResponse(status=answer.status)
            stream.enable_chunked_encoding()
            await stream.prepare(request)
            assert answer.body is not None
            body = bytes(answer.body)  # type: ignore[arg-type]
            await stream.write(body[:10])
            await stream.write(body[10:])
            await stream.write_eof()
            return stream
        return answer


def ok(message_id: int, **headers: str) -> web.Response:
    body = {"ok": True, "result": {"message_id": message_id, "chat": {"id": 1}}}
    return web.json_response(body, headers=headers)


def refused(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    server = Server()
    app = web.Application()
    app.router.add_post("/botTOKEN/sendMessage", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}/botTOKEN"
    yield server
    await runner.cleanup()


async def test_a_broadcast_message_arrives_as_telegram_json_on_one_kept_alive_connection(
    server: Server,
) -> None:
    wire = Wire(server.url, None)
    server.answers = [ok(7), ok(8, **{"X-Chunked": "1"}), ok(9)]
    markup = json.dumps({"inline_keyboard": [[{"text": "1", "callback_data": "s:1:1"}]]})

    ids = [
        await wire.send_message(5, "<b>Ça va</b> «x»", markup=markup),
        await wire.send_message(6, "<b>Ça va</b> «x»", thread_id=3),
        await wire.send_message(-100, "plain", html=False),
    ]
    await wire.close()

    assert ids == [7, 8, 9]
    assert server.received[0] == {
        "chat_id": 5,
        "text": "<b>Ça va</b> «x»",
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "reply_markup": json.loads(markup),
    }
    assert server.received[1]["message_thread_id"] == 3
    assert "parse_mode" not in server.received[2]
    assert len(server.peers) == 1, "one connection carried every request"


async def test_a_server_that_closes_the_connection_gets_a_new_one_for_the_next_message(
    server: Server,
) -> None:
    wire = Wire(server.url, None)
    server.answers = [ok(1, Connection="close"), ok(2)]

    assert [await wire.send_message(1, "a"), await wire.send_message(2, "b")] == [1, 2]
    await wire.close()
    assert len(server.peers) == 2


@pytest.mark.parametrize(
    ("answer", "error", "detail"),
    [
        (refused(429, "Too Many Requests: retry after 30", retry_after=30), RetryAfter, "30"),
        (refused(400, "Bad Request: group upgraded", migrate_to_chat_id=-1009), ChatMigrated,
         "-1009"),
        (refused(403, "Forbidden: bot was blocked by the user"), Forbidden, "blocked"),
        (refused(400, "Bad Request: can't parse entities"), BadRequest, "parse entities"),
        (web.Response(status=502, text="<html>Bad Gateway</html>"), NetworkError, "502"),
        (refused(500, "Internal Server Error"), NetworkError, "Internal"),
    ],
)  # fmt: skip
async def test_every_refusal_becomes_the_error_python_telegram_bot_raises(
    server: Server, answer: web.Response, error: type[Exception], detail: str
) -> None:
    wire = Wire(server.url, None)
    server.answers = [answer, ok(2)]

    with pytest.raises(error) as raised:
        await wire.send_message(1, "a")
    assert detail in str(raised.value) or detail in repr(vars(raised.value))
    assert await wire.send_message(1, "a") == 2, "the next message still goes"
    await wire.close()


async def test_a_server_that_is_gone_is_a_network_error() -> None:
    wire = Wire("http://127.0.0.1:9/botTOKEN", None)
    with pytest.raises(NetworkError):
        await wire.send_message(1, "a")
