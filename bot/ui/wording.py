"""Words people type that the bot must not take as they are (pure).

Three kinds: text holding a lone surrogate (JSON can carry "\\ud800"; it
cannot be stored or sent), words made only of invisible characters, and
words holding direction controls (a right-to-left override would flip how
the rest of the bot's message reads). Each check gives the message id of a
one-line answer, or None.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from bot.ui.i18n import N_

# Explicit direction embeddings, overrides and isolates, and the marks.
DIRECTION_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)

UNREADABLE = N_(
    "That message holds characters I cannot read (a broken surrogate); nothing was changed."
)
INVISIBLE = N_("A keyword needs letters or digits you can see; nothing was changed.")
DIRECTION = N_(
    "A keyword cannot hold direction controls (they flip how text reads); nothing was changed."
)
FILE_UNREADABLE = N_(
    "That file holds characters I cannot read (a broken surrogate); nothing was changed."
)
TOO_DEEP = N_("That file is nested too deep for a settings file; nothing was changed.")


def lone_surrogates(value: Any, depth: int = 0) -> bool:
    """Whether a string (or the strings inside lists and dicts) holds a lone surrogate."""
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(
            lone_surrogates(k, depth + 1) or lone_surrogates(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(lone_surrogates(v, depth + 1) for v in value)
    return False


def keyword_problem(words: Iterable[str]) -> str | None:
    """Why these keywords cannot be followed (a message id), or None."""
    for word in words:
        if lone_surrogates(word):
            return UNREADABLE
        if any(c in DIRECTION_CONTROLS for c in word):
            return DIRECTION
        if not any(unicodedata.category(c)[0] in "LNS" for c in word):
            return INVISIBLE
    return None
