"""Telegram's initData, checked as Telegram prescribes (pure).

A Mini App gets ``initData`` from Telegram: a query string with the person
(``user``, JSON), ``auth_date`` (Unix seconds) and ``hash``. It is genuine when
``hash`` is the hex HMAC-SHA256 of the data-check string (every other field as
``key=value``, sorted by key, one per line) under the secret key
HMAC-SHA256(key="WebAppData", msg=bot token). It is fresh for a day.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_AGE_SECONDS = 24 * 60 * 60
MAX_CLOCK_SKEW_SECONDS = 5 * 60  # an auth_date this far ahead of our clock is still taken
MAX_LENGTH = 8192


class InitDataError(Exception):
    """initData that is missing, altered, expired or not shaped like Telegram's."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The person who opened the Mini App, as the signed initData names them."""

    id: int
    language_code: str | None = None
    first_name: str = ""


def data_check_string(fields: dict[str, str]) -> str:
    """Every field but ``hash`` as ``key=value``, sorted by key, one per line."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: dict[str, str], token: str) -> str:
    """The hex hash Telegram puts in ``hash`` for these fields and this bot token."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def verify(init_data: str, token: str, now: float) -> WebAppUser:
    """The person in ``init_data`` when its hash is right and it is under a day old;
    InitDataError otherwise."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise InitDataError("no initData" if not init_data else "initData too long")
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    given = fields.get("hash", "")
    if not hmac.compare_digest(given.encode(), signature(fields, token).encode()):
        raise InitDataError("the hash does not match")
    try:
        auth_date = int(fields.get("auth_date", ""))
    except ValueError:
        raise InitDataError("no auth_date") from None
    if now - auth_date > MAX_AGE_SECONDS:
        raise InitDataError("expired: older than a day")
    if auth_date - now > MAX_CLOCK_SKEW_SECONDS:
        raise InitDataError("auth_date is in the future")
    return _user(fields.get("user", ""))


def _user(text: str) -> WebAppUser:
    try:
        user = json.loads(text)
    except ValueError:
        raise InitDataError("no user") from None
    if not isinstance(user, dict):
        raise InitDataError("no user")
    user_id, language = user.get("id"), user.get("language_code")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("no user id")
    return WebAppUser(
        id=user_id,
        language_code=language if isinstance(language, str) else None,
        first_name=str(user.get("first_name") or "")[:64],
    )
