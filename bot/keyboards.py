"""Inline keyboards and their callback data.

Callback data is a tiny versioned scheme, ``"1|action|arg|arg"``, always under
Telegram's 64 bytes. A tap on a button from an older scheme (another version
prefix) parses to None, and the bot answers it with a hint instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from storage.models import DeliveryMode, Subscriber, SubscriberState, Topic

VERSION = "1"
MAX_CALLBACK_BYTES = 64

TOGGLE_TOPIC = "t"
TOPICS_DONE = "td"
OPEN_TOPICS = "o"
OPEN_STORY = "s"
WHY_STORY = "w"
SET_MODE = "m"
PAUSE = "p"
RESUME = "r"
FORGET = "f"


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    args: tuple[str, ...]


def callback_data(action: str, *args: object) -> str:
    """Encode a button's action; raises ValueError past Telegram's 64 bytes."""
    data = "|".join([VERSION, action, *(str(a) for a in args)])
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
    return data


def parse_callback(data: str | None) -> Callback | None:
    """Decode callback data of this version, or None for anything else."""
    if not data:
        return None
    version, _, rest = data.partition("|")
    if version != VERSION or not rest:
        return None
    action, *args = rest.split("|")
    return Callback(action, tuple(args))


def _button(text: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callback_data(action, *args))


def topic_picker(topics: Sequence[Topic], followed: Sequence[str]) -> InlineKeyboardMarkup:
    """Every topic as a toggle, two per row, a check mark on followed ones, then Done."""
    chosen = set(followed)
    buttons = [
        _button(
            f"{'✅' if t.slug in chosen else '▫️'} {t.emoji} {t.name}".replace("  ", " "),
            TOGGLE_TOPIC,
            t.slug,
        )
        for t in topics
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button("Done", TOPICS_DONE)])
    return InlineKeyboardMarkup(rows)


def story_buttons(digest_id: int, count: int) -> InlineKeyboardMarkup:
    """One button per story of a digest ("📖 1" ...), five to a row."""
    buttons = [_button(f"📖 {n}", OPEN_STORY, digest_id, n) for n in range(1, count + 1)]
    return InlineKeyboardMarkup([buttons[i : i + 5] for i in range(0, len(buttons), 5)])


def story_navigation(digest_id: int, n: int, count: int) -> InlineKeyboardMarkup:
    """Previous / why / next under a story opened from a digest."""
    row = []
    if n > 1:
        row.append(_button(f"⬅️ {n - 1}", OPEN_STORY, digest_id, n - 1))
    row.append(_button("Why this?", WHY_STORY, digest_id, n))
    if n < count:
        row.append(_button(f"{n + 1} ➡️", OPEN_STORY, digest_id, n + 1))
    return InlineKeyboardMarkup([row])


def settings_buttons(subscriber: Subscriber) -> InlineKeyboardMarkup:
    """Change topics, delivery mode, pause or resume, or forget, from /settings."""
    modes = [
        _button(("• " if subscriber.mode is mode else "") + mode.value.title(), SET_MODE, mode)
        for mode in DeliveryMode
    ]
    if subscriber.state is SubscriberState.PAUSED:
        hold = _button("▶️ Resume", RESUME)
    else:
        hold = _button("⏸ Pause 1 day", PAUSE, 1)
    return InlineKeyboardMarkup(
        [
            [_button("🗂 Topics", OPEN_TOPICS)],
            modes,
            [hold, _button("🗑 Forget me", FORGET, "ask")],
        ]
    )


def forget_confirmation() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("Yes, delete everything", FORGET, "yes"), _button("Cancel", FORGET, "no")]]
    )
