"""The double answers like Telegram: a real PTB Bot against it gets Telegram's errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.delivery.limiter import retry_seconds
from tests.botapi import BotApiDouble, Limits
from tests.botapi.html import EntityParseError, parse_html

TOKEN = "123456789:DOUBLE-test-token-0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(clock: Clock) -> AsyncIterator[BotApiDouble]:
    async with BotApiDouble(limits=Limits(), clock=clock) as double:
        yield double


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as client:
        yield client


async def test_html_is_parsed_into_text_and_entities(bot: Bot, api: BotApiDouble) -> None:
    message = await bot.send_message(1, "<b>AT&amp;T</b> &lt;3 <a href='https://x.test/?a&amp;b'>go</a>",
                                     parse_mode="HTML")  # fmt: skip

    assert message.text == "AT&T <3 go"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 4),
        ("text_link", 8, 2),
    ]
    assert message.entities[1].url == "https://x.test/?a&b"
    assert api.calls_to("sendMessage")[0].params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    "markup",
    ["<script>alert(1)</script>", "a < b", "<b>bold", "<b><i>x</b></i>", "x</b>", "<span>y</span>"],
)
async def test_malformed_html_is_refused_as_telegram_does(bot: Bot, markup: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(1, markup, parse_mode="HTML")


def test_lengths_are_counted_in_utf16_units() -> None:
    assert parse_html("📰" * 3).length == 6
    with pytest.raises(EntityParseError, match='Unsupported start tag "script"'):
        parse_html("ok <script>")


async def test_a_message_over_4096_units_is_refused(bot: Bot) -> None:
    await bot.send_message(1, "a" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "📰" * 2049)


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])

    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "hi", reply_markup=markup)


async def test_a_blocked_chat_answers_forbidden(bot: Bot, api: BotApiDouble) -> None:
    await api.bot_blocked(5)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(5, "hello?")
    assert api.sent_to(5) == []


async def test_a_migrated_group_answers_with_the_new_chat_id(bot: Bot, api: BotApiDouble) -> None:
    api.migrate_group(-5, -1005)

    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(-5, "hello group")
    assert raised.value.new_chat_id == -1005


async def test_a_private_chat_gets_one_message_in_any_second(
    bot: Bot, api: BotApiDouble, clock: Clock
) -> None:
    await bot.send_message(7, "first")
    clock.now += 0.999
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(7, "too soon")
    clock.now += 0.001
    await bot.send_message(7, "a second later")

    assert retry_seconds(raised.value) == 1
    assert [m.text for m in api.sent_to(7)] == ["first", "a second later"]


async def test_a_private_chat_burst_is_counted_over_as_many_seconds(clock: Clock) -> None:
    async with (
        BotApiDouble(limits=Limits(private_burst=3), clock=clock) as api,
        Bot(TOKEN, base_url=api.base_url) as bot,
    ):
        for i in range(3):
            await bot.send_message(7, f"part {i}")
        clock.now += 2.5
        with pytest.raises(RetryAfter):
            await bot.send_message(7, "a fourth within three seconds")
        clock.now += 0.5
        await bot.send_message(7, "three seconds after the first")


async def test_a_group_gets_twenty_messages_in_any_minute(bot: Bot, clock: Clock) -> None:
    for i in range(20):
        await bot.send_message(-42, f"news {i}")
        clock.now += 0.1
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(-42, "twenty-first")
    clock.now += 57.9
    with pytest.raises(RetryAfter):
        await bot.send_message(-42, "still within the first minute")
    clock.now += 0.1
    await bot.send_message(-42, "a minute after the first")

    assert retry_seconds(raised.value) == 58


async def test_the_overall_limit_applies_in_any_one_second_window(
    bot: Bot, api: BotApiDouble, clock: Clock
) -> None:
    for chat in range(1, 16):
        await bot.send_message(chat, "broadcast")
    clock.now += 0.5
    for chat in range(16, 31):
        await bot.send_message(chat, "broadcast")
    clock.now += 0.5  # the first fifteen leave the window; a sixteenth would not fit before
    for chat in range(31, 46):
        await bot.send_message(chat, "broadcast")
    with pytest.raises(RetryAfter):
        await bot.send_message(46, "one over thirty in the last second")

    assert api.busiest_second() == 30


async def test_updates_are_long_polled_and_confirmed_by_offset(bot: Bot, api: BotApiDouble) -> None:
    empty = await bot.get_updates(timeout=0)
    await api.user_sends(3, "/start")
    await api.user_sends(3, "hello")
    first = await bot.get_updates(timeout=1)
    after = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)

    assert empty == ()
    assert [u.message.text for u in first] == ["/start", "hello"]
    assert first[0].message.entities[0].type == "bot_command"
    assert after == ()


async def test_taps_must_be_answered_once(bot: Bot, api: BotApiDouble) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="1|go")]])
    sent = await bot.send_message(3, "pick", reply_markup=markup)
    update = await api.user_taps(3, sent.message_id, "1|go")
    query_id = update["callback_query"]["id"]

    await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    assert api.open_queries == {}


async def test_a_file_a_person_sends_can_be_fetched_and_big_ones_are_refused(
    api: BotApiDouble,
) -> None:
    async with Bot(
        TOKEN, base_url=api.base_url, base_file_url=api.base_url.removesuffix("/bot") + "/file/bot"
    ) as client:
        small = await api.user_sends_document(7, b'{"a": 1}', "a.json")
        big = await api.user_sends_document(7, b"x" * (20 * 1024 * 1024 + 1), "big.bin")

        file = await client.get_file(small["message"]["document"]["file_id"])
        content = await file.download_as_bytearray()
        with pytest.raises(BadRequest, match=r"(?i)file is too big"):
            await client.get_file(big["message"]["document"]["file_id"])

    assert bytes(content) == b'{"a": 1}'
    assert small["message"]["document"]["file_name"] == "a.json"
