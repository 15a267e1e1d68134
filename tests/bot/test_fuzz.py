"""Random text and random arguments at every command: the bot always answers, never fails."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ui.texts import APOLOGY, COMMANDS
from tests.bot.conftest import ADMIN, ME, World

COMMAND_NAMES = [name for name, _ in COMMANDS] + ["stats", "story_1", "story_99", "nope"]
ANSWERS = {"sendMessage", "editMessageText", "answerCallbackQuery", "sendDocument"}

characters = st.characters(codec="utf-8", exclude_categories=("Cs",))
argument = st.one_of(
    st.text(characters, max_size=40),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["ukraine", "ukrane", "gaza", "Kiev", "07:30", "25:99", "<b>", "&amp;",
                     '"rare earth"', "both", "-1", "0", "99", "europe/berlin", "📰"]),
)  # fmt: skip
message_text = st.one_of(
    st.builds(
        lambda name, args: " ".join([f"/{name}", *args]),
        st.sampled_from(COMMAND_NAMES),
        st.lists(argument, max_size=4),
    ),
    st.text(characters, min_size=1, max_size=300).filter(lambda t: t.strip()),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _answered(world: World, mark: int, chat: int) -> list[str]:
    return [
        c.method
        for c in world.api.calls[mark:]
        if c.method in ANSWERS and c.ok and (c.chat_id == chat or c.method == "answerCallbackQuery")
    ]


@FUZZ
@given(text=message_text, as_admin=st.booleans())
async def test_any_command_or_text_gets_an_answer_and_never_an_apology(
    world: World, text: str, as_admin: bool
) -> None:
    chat = ADMIN if as_admin else ME
    mark = len(world.api.calls)

    sent = await world.say(text, chat)

    assert _answered(world, mark, chat), f"no answer to {text!r}"
    assert not [m for m in sent if m.text == APOLOGY], f"{text!r} made the bot fail"


@FUZZ
@given(data=st.one_of(st.text(characters, max_size=20), st.sampled_from(
    ["1|t|nope", "1|s|x|y", "1|s|999|1", "1|w|1|99", "1|m|sometimes", "1|p|99999",
     "1|f|maybe", "1|td", "0|t|ukraine", "1", "1|", "1|r", "1|o", "1|mq|x|1", "1|mq|1|99",
     "1|mt|atlantis", "1|mt", "1|mk|99999999999", "1|mk|x", "1|ut|gaza", "1|uk|nope",
     "1|uk"])))  # fmt: skip
async def test_any_button_data_is_answered_and_never_fails(world: World, data: str) -> None:
    if not world.api.sent_to(ME):
        await world.say("/start")
    picker = world.api.sent_to(ME)[-1]
    mark = len(world.api.calls)

    update = await world.api.user_taps(
        ME, picker.message_id, data.encode()[:64].decode("utf-8", "ignore") or "x"
    )
    await world.until_processed(update)

    assert "answerCallbackQuery" in _answered(world, mark, ME), f"{data!r} was not answered"
    assert world.api.open_queries == {}
    assert not [m for m in world.api.sent_to(ME) if m.text == APOLOGY]


hostile_argument = st.one_of(
    st.text(st.characters(codec=None, categories=("Cs", "Cf", "Zs", "Mn", "L")), max_size=12),
    st.sampled_from(["\ud800", "\udfff", "\u202e", "\u2067x", "\u200b\u200d", "\ufeff", "a\u0301"]),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(COMMAND_NAMES),
    args=st.lists(hostile_argument, min_size=1, max_size=3),
)
async def test_hostile_characters_in_any_command_get_an_answer_and_no_error(
    world: World, caplog: pytest.LogCaptureFixture, name: str, args: list[str]
) -> None:
    caplog.set_level(logging.ERROR)
    text = " ".join([f"/{name}", *args])
    mark = len(world.api.calls)

    await world.api.user_sends(ME, text)
    await world.api.wait_for(lambda: bool(_answered(world, mark, ME)), within=10)
    sent = await world.say("/help")

    assert not [m for m in world.sent_since(mark) if m.text == APOLOGY], f"{text!r} failed"
    assert sent, "the bot still answers after it"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], text
