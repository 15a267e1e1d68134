"""The broadcast's lean request path: sendMessage as prepared JSON over kept-alive HTTP/1.1.

A profile of a broadcast through python-telegram-bot's ``send_message`` into a
server next door puts three quarters of the time in the HTTP client (building
the request, urlencoding every parameter, the connection pool's bookkeeping,
cookies, reading the body as a stream) and a tenth in turning each answer into
a ``Message``. None of it is needed to send a digest: its text is the same for
many readers and its answer is one message id.

``Wire.send_message`` sends one message of a broadcast: the text's share of the
JSON body is serialised once per text (a drain sends each text to many chats),
the chat id, thread and keyboard JSON are put in front of it, and the request is
written on one of a few kept-alive connections. It still goes through the bot's
one rate limiter (``process_request``, as ``sendMessage`` to that chat, with the
broadcast's ``rate_limit_args``), and an error answer becomes the exception PTB
would have raised (``RetryAfter``, ``ChatMigrated``, ``Forbidden``,
``BadRequest``, ``NetworkError``), so the limiter and the sender handle it the
same way. A running bot's replies to people take it too (``BriefbotContext.reply``),
as replies; callback answers, edits and lookups keep PTB's own path.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

TEXTS_KEPT = 256  # serialised text bodies kept, the oldest going first
IDLE_SECONDS = 20.0  # a connection idle this long is closed rather than reused
TIMEOUT = 20.0  # seconds for one request, connecting included


class Connection:
    """One kept-alive HTTP/1.1 connection to the Bot API."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = time.monotonic()

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes, bool]:
        """The status, the body and whether the connection may be used again."""
        self.writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if b"content-length" in headers:
            payload = await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding") == b"chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            payload = b"".join(chunk[:-2] for chunk in chunks)
        else:
            return status, await self.reader.read(), False
        return status, payload, headers.get(b"connection") != b"close"

    def close(self) -> None:
        self.writer.close()


class Wire:
    """Lean sends for one bot (``base_url``: the Bot API URL with the token)."""

    def __init__(self, base_url: str, rate_limiter: Any) -> None:
        url = urlsplit(base_url)
        self._host = url.hostname or "localhost"
        self._tls = url.scheme == "https"
        self._port = url.port or (443 if self._tls else 80)
        host = url.netloc.rpartition("@")[2].encode()
        self._head = (
            b"POST %s/sendMessage HTTP/1.1\r\nHost: %s\r\n"
            b"Content-Type: application/json\r\nAccept: application/json\r\n"
        ) % (url.path.rstrip("/").encode(), host)
        self._limiter = rate_limiter
        self._idle: deque[Connection] = deque()
        self._texts: dict[tuple[str, bool], bytes] = {}

    def _text_body(self, text: str, html: bool) -> bytes:
        """The text's share of the body, from the comma before it to the closing brace."""
        body = self._texts.get((text, html))
        if body is None:
            fields: dict[str, Any] = {"text": text, "link_preview_options": {"is_disabled": True}}
            if html:
                fields["parse_mode"] = "HTML"
            body = b"," + json.dumps(fields, ensure_ascii=False).encode()[1:]
            if len(self._texts) >= TEXTS_KEPT:
                del self._texts[next(iter(self._texts))]
            self._texts[(text, html)] = body
        return body

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        html: bool = True,
        thread_id: int | None = None,
        markup: str | None = None,
        rate_limit_args: dict[str, Any] | None = None,
    ) -> int:
        """Send one message (``markup``: a keyboard's JSON); its message id."""
        front = b'{"chat_id":%d' % chat_id
        if thread_id is not None:
            front += b',"message_thread_id":%d' % thread_id
        if markup is not None:
            front += b',"reply_markup":' + markup.encode()
        body = front + self._text_body(text, html)
        if self._limiter is None:
            return await self._post(body)
        data = {"chat_id": chat_id}
        result = await self._limiter.process_request(
            self._post, (body,), {}, "sendMessage", data, rate_limit_args
        )
        return int(result)

    async def _post(self, body: bytes) -> int:
        try:
            async with asyncio.timeout(TIMEOUT):
                connection = await self._connection()
                try:
                    status, payload, reusable = await connection.post(self._head, body)
                except BaseException:
                    connection.close()
                    raise
        except TimeoutError as exc:
            raise TimedOut("the Bot API did not answer in time") from exc
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            raise NetworkError(f"sending to the Bot API failed: {exc!r}") from exc
        if reusable:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return raise_for(status, payload)

    async def _connection(self) -> Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()  # the most recently used
            if now - connection.idle_since < IDLE_SECONDS and not connection.reader.at_eof():
                return connection
            connection.close()
        context = ssl.create_default_context() if self._tls else None
        reader, writer = await asyncio.open_connection(self._host, self._port, ssl=context)
        return Connection(reader, writer)

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


def raise_for(status: int, payload: bytes) -> int:
    """The message id of a successful answer; else the error PTB raises for it."""
    try:
        answer = json.loads(payload)
    except ValueError as exc:
        raise NetworkError(f"the Bot API answered {status} with no JSON") from exc
    if status == 200 and answer.get("ok"):
        return int(answer["result"]["message_id"])
    description = str(answer.get("description") or f"Bot API error {status}")
    parameters = answer.get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        raise ChatMigrated(int(parameters["migrate_to_chat_id"]))
    if parameters.get("retry_after"):
        raise RetryAfter(int(parameters["retry_after"]))
    error: type[TelegramError] = {
        400: BadRequest,
        401: InvalidToken,
        403: Forbidden,
        404: InvalidToken,
        409: Conflict,
    }.get(status, NetworkError)
    raise error(description)
