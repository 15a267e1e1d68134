"""The Bot API double: an aiohttp server that a real bot long-polls, like api.telegram.org.

Use it as ``async with BotApiDouble() as api:`` and point the bot at
``api.base_url`` (``http://127.0.0.1:PORT/bot``). Tests act as people do
(``user_sends``, ``user_taps``, ``bot_blocked``...) and read back what the bot
did (``calls``, ``sent_to``, ``wait_for_reply``). It validates like Telegram:
HTML entities, 4096 UTF-16 units, 64-byte callback data, blocked chats (403),
migrated groups (400 with migrate_to_chat_id), and, given ``limits``, Telegram's
flood limits strictly (sliding windows, 429 with retry_after; see ``limits``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.botapi import updates
from tests.botapi.channels import ChannelsMixin
from tests.botapi.html import EntityParseError, parse_html, utf16_len
from tests.botapi.limits import FloodControl, Limits, busiest_window

BOT_ID = 777000111
BOT_USERNAME = "briefbot_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files
SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"}
# Parameters Telegram takes as plain strings; every other value arrives JSON-encoded.
STRING_PARAMS = {
    "text", "parse_mode", "callback_query_id", "caption", "url", "description",
    "short_description", "name", "inline_message_id", "language_code", "emoji",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    """One request the bot made, and how the double answered it."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True
    error_code: int | None = None
    description: str | None = None
    result: Any = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass
class Sent:
    """A message the bot sent, as the user sees it now (edits applied)."""

    chat_id: int
    message_id: int
    text: str
    markup: dict[str, Any] | None
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str = ""
    document: bytes | None = None  # what a sendDocument uploaded
    file_name: str | None = None
    thread_id: int | None = None  # the forum thread (message_thread_id) it was sent to

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


class BotApiDouble(ChannelsMixin):
    def __init__(
        self, *, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self.flood = FloodControl(limits, clock) if limits else None
        self.clock = clock
        self.calls: list[Call] = []
        self.events: list[tuple[str, int, Any]] = []  # ("user"|"bot", chat id, text or Sent)
        self.messages: dict[tuple[int, int], Sent] = {}
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.admins: dict[int, set[int]] = {}
        self.deleted_threads: set[tuple[int, int]] = set()  # (chat id, forum thread id)
        self.chats: dict[int, dict[str, Any]] = {}
        self.channels = {}  # chat id: Channel (see tests.botapi.channels)
        self.commands: list[dict[str, Any]] = []  # the default menu (no language_code)
        # the menu button beside the message field: by chat id, None for every chat
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        # every menu set, by (scope type, language_code); "" is the default language
        self.command_menus: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # the Telegram language of each person (user id); "en" unless set
        self.user_languages: dict[int, str] = {}
        self.open_queries: dict[str, int] = {}
        self.query_chats: dict[str, int] = {}
        self._updates: list[dict[str, Any]] = []
        # Set by setWebhook: updates are then POSTed there, as Telegram does, not queued.
        self.webhook: dict[str, Any] | None = None
        self.webhook_answers: list[int] = []
        self._failures: dict[str, list[ApiError]] = {}
        self.flooded: dict[int, int] = {}  # chat id: retry_after for its next message
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id: (file_path, content)
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "briefbot",
                         "username": BOT_USERNAME}  # fmt: skip

    # -- server ----------------------------------------------------------------------------

    async def __aenter__(self) -> BotApiDouble:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self

    async def release_pollers(self) -> None:
        """Answer every waiting and future getUpdates at once, so a bot stops without waiting."""
        self._closing = True
        async with self._changed:
            self._changed.notify_all()

    async def __aexit__(self, *exc: object) -> None:
        await self.release_pollers()
        if self._runner:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        raw = dict(await request.post()) if request.can_read_body else {}
        raw.update(request.query)
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if not isinstance(value, str):
                params[key] = value  # an uploaded file
            elif key in STRING_PARAMS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, self.clock())
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        handler = getattr(self, f"_api_{method}", None)
        try:
            if self._failures.get(method):
                raise self._failures[method].pop(0)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(params)
        except ApiError as exc:
            call.ok, call.error_code, call.description = False, exc.code, exc.description
            body: dict[str, Any] = {"ok": False, "error_code": exc.code,
                                    "description": exc.description}  # fmt: skip
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": call.result})

    # -- what a person does ------------------------------------------------------------------

    async def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        if self.webhook is not None:
            self.webhook_answers.append(
                await self.post_to_webhook(update, secret=self.webhook.get("secret_token"))
            )
            return update
        self._updates.append(update)
        async with self._changed:
            self._changed.notify_all()
        return update

    def chat_info(self, chat_id: int, chat_type: str | None = None) -> dict[str, Any]:
        if chat_id not in self.chats or chat_type:
            self.chats[chat_id] = updates.chat(chat_id, chat_type)
        return self.chats[chat_id]

    def _person(self, user_id: int) -> dict[str, Any]:
        """A person as Telegram describes them, in their Telegram language."""
        return updates.user(user_id, language=self.user_languages.get(user_id, "en"))

    def make_forum(self, chat_id: int) -> None:
        """The chat becomes a supergroup with topics (forum) turned on."""
        self.chats[chat_id] = updates.chat(chat_id, "supergroup") | {"is_forum": True}

    async def user_sends(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A person types ``text`` in a chat (in a group, user_id says who; in a forum,
        thread_id says which thread: None is the general one)."""
        sender = self._person(user_id if user_id is not None else abs(chat_id))
        message = updates.message(
            next(self._message_ids), self.chat_info(chat_id, chat_type), sender, text
        )
        if thread_id is not None:
            message |= {"message_thread_id": thread_id, "is_topic_message": True}
        self.events.append(("user", chat_id, text))
        return await self._push("message", message)

    async def user_sends_document(
        self,
        chat_id: int,
        content: bytes,
        file_name: str,
        *,
        mime_type: str = "application/json",
        caption: str | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A person sends a file; the bot can fetch it with getFile and a download."""
        file_id = f"doc-{next(self._file_ids)}"
        self.files[file_id] = (f"documents/file_{file_id}.dat", content)
        sender = self._person(user_id if user_id is not None else abs(chat_id))
        message = updates.message(
            next(self._message_ids), self.chat_info(chat_id), sender, caption or ""
        )
        del message["text"]
        message.pop("entities", None)
        if caption:
            message["caption"] = caption
        message["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                               "file_name": file_name, "mime_type": mime_type,
                               "file_size": len(content)}  # fmt: skip
        self.events.append(("user", chat_id, f"[sends {file_name}]"))
        return await self._push("message", message)

    async def user_taps(
        self, chat_id: int, message_id: int, callback_data: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """A person taps an inline button under one of the bot's messages."""
        sent = self.messages[(chat_id, message_id)]
        query_id = str(next(self._query_ids))
        self.open_queries[query_id] = chat_id
        self.query_chats[query_id] = chat_id
        label = next((t for t, d in sent.buttons() if d == callback_data), callback_data)
        self.events.append(("user", chat_id, f"[taps {label}]"))
        message = updates.message(message_id, self.chat_info(chat_id), self.bot_user, sent.text)
        if sent.markup:
            message["reply_markup"] = sent.markup
        return await self._push(
            "callback_query",
            {
                "id": query_id,
                "from": self._person(user_id if user_id is not None else abs(chat_id)),
                "chat_instance": str(chat_id),
                "data": callback_data,
                "message": message,
            },
        )

    async def _member_change(
        self, chat_id: int, user_id: int | None, old: str, new: str
    ) -> dict[str, Any]:
        sender = self._person(user_id if user_id is not None else abs(chat_id))
        change = updates.my_chat_member(self.chat_info(chat_id), sender, self.bot_user, old, new)
        return await self._push("my_chat_member", change)

    async def bot_blocked(self, chat_id: int) -> dict[str, Any]:
        """The person blocks the bot (in a group: removes it); sends fail with 403 from now."""
        self.blocked.add(chat_id)
        self.events.append(("user", chat_id, "[blocks the bot]"))
        return await self._member_change(
            chat_id, None, "member", "kicked" if chat_id > 0 else "left"
        )

    async def bot_unblocked(self, chat_id: int) -> dict[str, Any]:
        self.blocked.discard(chat_id)
        self.events.append(("user", chat_id, "[unblocks the bot]"))
        return await self._member_change(chat_id, None, "kicked", "member")

    async def bot_added_to_group(self, chat_id: int, by_user: int) -> dict[str, Any]:
        self.blocked.discard(chat_id)
        self.chat_info(chat_id, "group" if chat_id < 0 else None)
        return await self._member_change(chat_id, by_user, "left", "member")

    async def user_migrates(self, old_chat_id: int, new_chat_id: int) -> dict[str, Any]:
        """An admin upgrades a group to a supergroup: the service message in the old group."""
        self.migrate_group(old_chat_id, new_chat_id)
        message = updates.message(
            next(self._message_ids), self.chat_info(old_chat_id), updates.user(1), ""
        )
        del message["text"]
        message["migrate_to_chat_id"] = new_chat_id
        self.chats[new_chat_id] = updates.chat(new_chat_id, "supergroup")
        return await self._push("message", message)

    def fail_next(self, method: str, code: int, description: str, **parameters: Any) -> None:
        """Answer the next call of ``method`` with this error (for error-path tests)."""
        self._failures.setdefault(method, []).append(ApiError(code, description, **parameters))

    def flood_chat(self, chat_id: int, retry_after: int) -> None:
        """The next message to ``chat_id`` is refused with 429 and this ``retry_after``
        (Telegram's flood control about one chat, whatever the bot's own pace)."""
        self.flooded[chat_id] = retry_after

    def set_admins(self, chat_id: int, user_ids: set[int]) -> None:
        self.admins[chat_id] = set(user_ids)

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """From now on, sending to ``old_chat_id`` fails as for an upgraded group."""
        self.migrated[old_chat_id] = new_chat_id

    # -- what the bot did --------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[Sent]:
        """Every message the bot sent to a chat, as it reads now, in order."""
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    def busiest_second(self) -> int:
        """The most messages accepted in any one-second window, over all chats."""
        return busiest_window([c.at for c in self.calls if c.method in SEND_METHODS and c.ok])

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds after some call; raise TimeoutError if it never does."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def wait_for_reply(
        self, chat_id: int, since: int, *, quiet: float = 0.15, within: float = 5.0
    ) -> list[Call]:
        """Calls about ``chat_id`` made after call number ``since``: at least one, then quiet."""

        def about_chat() -> list[Call]:
            return [c for c in self.calls[since:] if _chat_of(c, self) == chat_id]

        await self.wait_for(lambda: bool(about_chat()), within)
        count = -1
        while count != len(self.calls):
            count = len(self.calls)
            await asyncio.sleep(quiet)
        return about_chat()

    def transcript(self, chat_id: int) -> str:
        """The conversation in one chat as a person sees it: their messages and the bot's."""
        lines = []
        for who, chat, what in self.events:
            if chat != chat_id:
                continue
            if who == "user":
                lines.append(f"> {what}")
                continue
            sent = self.messages[(chat, what)]
            lines.append(sent.text)
            links = [e["url"] for e in sent.entities if e.get("type") == "text_link"]
            lines += [f"  (link: {url})" for url in links]
            for row in (sent.markup or {}).get("inline_keyboard", []):
                lines.append("  " + "  ".join(f"[{b['text']}]" for b in row))
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    # -- the methods -------------------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    async def post_to_webhook(self, update: dict[str, Any], *, secret: str | None) -> int:
        """POST ``update`` to the registered webhook as Telegram would; returns the HTTP status."""
        assert self.webhook is not None, "no webhook registered"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.webhook["url"], json=update, headers=headers) as response,
        ):
            return response.status

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url", "")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: an HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not (
            1 <= len(str(secret)) <= 256 and str(secret).replace("_", "").replace("-", "").isalnum()
        ):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "pending_update_count": 0}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        for command in params.get("commands", []):
            name, description = command.get("command", ""), command.get("description", "")
            if not (
                1 <= len(name) <= 32 and name == name.lower() and name.replace("_", "").isalnum()
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = _menu_key(params)
        self.command_menus[key] = list(params.get("commands", []))
        if key == ("default", ""):
            self.commands = self.command_menus[key]
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.command_menus.get(_menu_key(params), [])

    async def _api_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        button = params.get("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind not in {"commands", "web_app", "default"}:
            raise ApiError(400, "Bad Request: unsupported menu button type")
        if kind == "web_app":
            if not 1 <= len(str(button.get("text") or "")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            _check_webapp_url(button.get("web_app"))
        chat_id = params.get("chat_id")
        self.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
        return True

    async def _api_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        key = chat_id if isinstance(chat_id, int) else None
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "commands"}

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
        except TimeoutError:
            pass
        return self._updates[:limit]

    def _check_chat(self, chat_id: Any) -> int:
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=self.migrated[chat_id])  # fmt: skip
        if chat_id in self.blocked:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat_id

    def _check_flood(self, chat_id: int) -> None:
        wait = self.flooded.pop(chat_id, 0)
        if not wait:
            wait = self.flood.retry_after(chat_id) if self.flood else 0
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _render(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text = str(params.get("text", ""))
        if str(params.get("parse_mode", "")).upper() == "HTML":
            try:
                parsed = parse_html(text)
            except EntityParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
            text, entities = parsed.text, parsed.entities
        else:
            entities = list(params.get("entities") or [])
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    def _check_markup(self, markup: Any, chat_id: int | None = None) -> dict[str, Any] | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if "web_app" not in button:
                    continue
                if chat_id is not None and chat_id < 0:  # Mini Apps open from private chats only
                    raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
                _check_webapp_url(button["web_app"])
        for row in markup.get("keyboard", []):
            for button in row:
                request = button.get("request_chat") if isinstance(button, dict) else None
                if request is not None and not (
                    isinstance(request.get("request_id"), int)
                    and isinstance(request.get("chat_is_channel"), bool)
                ):
                    raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
        return dict(markup)

    def _message_result(self, sent: Sent) -> dict[str, Any]:
        result = updates.message(sent.message_id, self.chat_info(sent.chat_id), self.bot_user,
                                 sent.text)  # fmt: skip
        result["entities"] = sent.entities
        if sent.thread_id is not None:
            result |= {"message_thread_id": sent.thread_id, "is_topic_message": True}
        if sent.markup and "inline_keyboard" in sent.markup:  # Telegram returns only those
            result["reply_markup"] = sent.markup
        return result

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params.get("chat_id"))
        self.check_channel_post(chat_id)
        text, entities = self._render(params)
        markup = self._check_markup(params.get("reply_markup"), chat_id)
        if (chat_id, params.get("message_thread_id")) in self.deleted_threads:
            raise ApiError(400, "Bad Request: message thread not found")
        self._check_flood(chat_id)
        sent = Sent(chat_id, next(self._message_ids), text, markup, entities,
                    str(params.get("text", "")))  # fmt: skip
        if params.get("message_thread_id") is not None:
            sent.thread_id = int(params["message_thread_id"])
        self.messages[(chat_id, sent.message_id)] = sent
        self.events.append(("bot", chat_id, sent.message_id))
        return self._message_result(sent)

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params.get("chat_id"))
        self._check_flood(chat_id)
        upload = params.get("document")
        caption = str(params.get("caption") or "")
        sent = Sent(chat_id, next(self._message_ids), caption or "[document]", None)
        if upload is not None and hasattr(upload, "file"):
            sent.document, sent.file_name = upload.file.read(), upload.filename
        self.messages[(chat_id, sent.message_id)] = sent
        self.events.append(("bot", chat_id, sent.message_id))
        result = self._message_result(sent)
        if sent.document is not None:
            file_id = f"doc-{next(self._file_ids)}"
            self.files[file_id] = (f"documents/file_{file_id}.dat", sent.document)
            del result["text"]
            result["caption"] = caption
            result["document"] = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": sent.file_name,
                "file_size": len(sent.document),
            }
        return result

    async def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        if len(content) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                "file_size": len(content), "file_path": path}  # fmt: skip

    async def _download(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>: the bytes of a file a person sent."""
        path = request.match_info["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                return web.Response(body=content)
        return web.Response(status=404, text="Not Found")

    def _existing(self, params: dict[str, Any]) -> Sent:
        key = (params.get("chat_id"), params.get("message_id"))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]  # type: ignore[index]

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        self._check_chat(params.get("chat_id"))
        sent = self._existing(params)
        text, entities = self._render(params)
        markup = self._check_markup(params.get("reply_markup"))
        if text == sent.text and markup == sent.markup and entities == sent.entities:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                           "content and reply markup are exactly the same as a current content "
                           "and reply markup of the message")  # fmt: skip
        sent.text, sent.entities, sent.markup = text, entities, markup
        sent.html = str(params.get("text", ""))
        return self._message_result(sent)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        self._check_chat(params.get("chat_id"))
        sent = self._existing(params)
        sent.markup = self._check_markup(params.get("reply_markup"))
        return self._message_result(sent)

    async def _api_deleteMessage(self, params: dict[str, Any]) -> Any:
        key = (params.get("chat_id"), params.get("message_id"))
        if self.messages.pop(key, None) is None:  # type: ignore[arg-type]
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if self.open_queries.pop(str(params.get("callback_query_id")), None) is None:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                           "or query ID is invalid")  # fmt: skip
        return True

    def _member_status(self, chat_id: int, user_id: int) -> str:
        if chat_id > 0:
            return "creator" if user_id == chat_id else "member"
        return "administrator" if user_id in self.admins.get(chat_id, set()) else "member"

    async def _api_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = params.get("chat_id"), int(params.get("user_id") or 0)
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.channels:
            return self.channel_member(chat_id, user_id)
        return updates.member(self._member_status(chat_id, user_id), updates.user(user_id))

    async def _api_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        ids = self.admins.get(chat_id, set()) if isinstance(chat_id, int) else set()
        return [updates.member("administrator", updates.user(i)) for i in sorted(ids)]


def _check_webapp_url(web_app: Any) -> None:
    """Telegram opens Mini Apps only from https:// URLs."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


def _menu_key(params: dict[str, Any]) -> tuple[str, str]:
    """A command menu's (scope type, language_code), as setMyCommands keeps them apart."""
    scope = params.get("scope") or {}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return str(scope.get("type", "default")), str(params.get("language_code") or "")


def _chat_of(call: Call, double: BotApiDouble) -> int | None:
    """The chat a call is about (answerCallbackQuery: the chat of the tapped message)."""
    if call.method == "answerCallbackQuery":
        return double.query_chats.get(str(call.params.get("callback_query_id")))
    chat = call.params.get("chat_id")
    return chat if isinstance(chat, int) else None
