"""Naming sources: the names a person types for /prefer, matched to the bot's sources (pure).

A name matches a source when it is the source's whole name, when its words are
all words of the name ("guardian" for "The Guardian: World news"), or when it is
the initials of consecutive words of it ("NYT" for "The New York Times"); case
and punctuation do not count. A name that matches several sources, or none,
gets one line for the person, with the sources it might have meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.ui.i18n import Translator, translator
from bot.ui.render import escape
from bot.ui.wording import DIRECTION_CONTROLS

MAX_PREFERRED = 10
MAX_NAME = 100  # characters of one typed name
MAX_LISTED = 12  # sources named in a reply
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Resolved:
    """The sources the names chose, in order, and the names that chose none or many."""

    ids: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def split_names(text: str) -> list[str]:
    """The names in "/prefer BBC, Guardian": comma-separated, each trimmed."""
    return [name.strip()[:MAX_NAME] for name in text.split(",") if name.strip()]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _initials(words: Sequence[str], typed: str) -> bool:
    size = len(typed)
    return size >= 2 and any(
        "".join(w[0] for w in words[i : i + size]) == typed for i in range(len(words) - size + 1)
    )


def matches(typed: str, name: str) -> bool:
    """Whether a typed name means the source ``name``."""
    wanted, words = _words(typed), _words(name)
    if not wanted:
        return False
    if all(w in words for w in wanted):
        return True
    return len(wanted) == 1 and _initials(words, wanted[0])


def resolve(names: Sequence[str], known: Mapping[int, str]) -> Resolved:
    """The sources ``names`` mean, in their order (a source named twice counts once)."""
    resolved = Resolved()
    for typed in names:
        exact = [i for i, name in known.items() if _words(name) == _words(typed)]
        found = exact or [i for i, name in known.items() if matches(typed, name)]
        if len(found) == 1:
            if found[0] not in resolved.ids:
                resolved.ids.append(found[0])
        elif found:
            resolved.ambiguous[typed] = [known[i] for i in found]
        else:
            resolved.unknown.append(typed)
    return resolved


def resolve_words(text: str, known: Mapping[int, str]) -> Resolved:
    """``resolve`` of the names in ``text``; without commas, when the whole text names no
    source but each of its words names one, those sources ("/prefer BBC Guardian")."""
    names = split_names(text)
    resolved = resolve(names, known)
    if "," not in text and len(names) == 1 and (resolved.unknown or resolved.ambiguous):
        each = resolve(text.split(), known)
        if each.ids and not each.unknown and not each.ambiguous:
            return each
    return resolved


def short_name(name: str) -> str:
    """A source's name before its section ("BBC News: World" -> "BBC News")."""
    return re.split(r"\s*[:|–—]\s*|\s+-\s+", name, maxsplit=1)[0] or name


def close_matches(typed: str, known: Sequence[str]) -> list[str]:
    """The sources a mistyped name may have meant: by the whole name, else by one word."""
    lowered = {name.casefold(): name for name in known}
    found = difflib.get_close_matches(typed.casefold(), list(lowered), n=3, cutoff=0.6)
    if not found:
        wanted = _words(typed)
        found = [
            low
            for low in lowered
            if any(difflib.get_close_matches(w, _words(low), n=1, cutoff=0.75) for w in wanted)
        ][:3]
    return [lowered[low] for low in found]


def listed(names: Sequence[str]) -> str:
    """Source names for a reply, escaped: the first ``MAX_LISTED`` and how many more."""
    shown = ", ".join(escape(name) for name in names[:MAX_LISTED])
    return shown + (f" (+{len(names) - MAX_LISTED})" if len(names) > MAX_LISTED else "")


def _echoed(typed: str) -> str:
    """A typed name as a reply quotes it: escaped, without direction controls (they would
    flip how the rest of the reply reads)."""
    return escape("".join(c for c in typed if c not in DIRECTION_CONTROLS)[:40])


def problem(resolved: Resolved, known: Sequence[str], t: Translator | None = None) -> str:
    """One line naming what the names did not choose, and what exists; "" when all chose."""
    _ = (t or translator()).gettext
    if resolved.unknown:
        typed = resolved.unknown[0]
        near = close_matches(typed, known)
        if near:
            line = _("I don't know the source “{name}”. Did you mean {sources}?")
            return line.format(name=_echoed(typed), sources=listed(near))
        line = _("I don't know the source “{name}”. My sources: {sources}.")
        return line.format(name=_echoed(typed), sources=listed(known))
    if resolved.ambiguous:
        typed, found = next(iter(resolved.ambiguous.items()))
        line = _("“{name}” could be {sources}: write more of the name.")
        return line.format(name=_echoed(typed), sources=listed(found))
    return ""


def preferred_line(names: Sequence[str], t: Translator | None = None) -> str:
    """The subscriber's preferred sources in one line (escaped), for /prefer and /settings."""
    _ = (t or translator()).gettext
    if not names:
        return _("Preferred sources: none: each event shows its earliest story (/prefer).")
    listed = ", ".join(f"{i}. {escape(name)}" for i, name in enumerate(names, start=1))
    return _("Preferred sources: {sources}").format(sources=listed)
