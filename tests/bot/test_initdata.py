"""Telegram's initData, checked as Telegram describes it (pure: no server, no bot)."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from bot.webapp.initdata import InitDataError, signature, verify
from tests.bot.conftest import TOKEN
from tests.bot.miniapp import init_fields, sign, signed_init_data

ME = 4242


def test_the_bots_signature_is_the_one_telegram_computes() -> None:
    fields = init_fields(ME)

    assert signature(fields, TOKEN) == sign(fields)["hash"]


def test_genuine_init_data_names_the_person_and_their_language() -> None:
    user = verify(signed_init_data(ME, language="uk"), TOKEN, time.time())

    assert (user.id, user.language_code, user.first_name) == (ME, "uk", "Olena")


def test_init_data_a_day_old_less_a_minute_is_still_fresh() -> None:
    now = time.time()

    user = verify(signed_init_data(ME, auth_date=now - 24 * 3600 + 60), TOKEN, now)

    assert user.id == ME


def _refusal(init_data: str) -> str:
    with pytest.raises(InitDataError) as refused:
        verify(init_data, TOKEN, time.time())
    return str(refused.value)


def test_a_field_given_twice_is_refused_even_with_a_right_hash() -> None:
    genuine = signed_init_data(ME)
    second_user = urlencode({"user": json.dumps({"id": 1})})

    assert _refusal(f"{genuine}&{second_user}") == "a field appears twice"


def test_signed_init_data_without_a_person_is_refused() -> None:
    fields = init_fields(ME)
    del fields["user"]

    assert _refusal(urlencode(sign(fields))) == "no user"


def test_init_data_too_long_to_be_telegrams_is_refused_before_hashing() -> None:
    padded = urlencode(sign(init_fields(ME) | {"start_param": "x" * 9000}))

    assert _refusal(padded) == "initData too long"
