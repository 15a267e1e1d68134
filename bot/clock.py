"""Times of day as people write them: "07:30", "7.30", "0730", "7", and ranges "23:00-07:00"."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from bot.errors import NotATimeError

_TIME = re.compile(r"(\d{1,2})(?:[:.h](\d{2})|(\d{2}))?")
_RANGE_SEPARATOR = re.compile(r"\s*[-–—]\s*|\s+")


def read_time(text: str) -> time:
    """The time of day in ``text``; NotATimeError for another shape, ValueError for a time
    that does not exist (25:00)."""
    match = _TIME.fullmatch(text.strip().lower())
    if match is None:
        raise NotATimeError(text)
    return time(int(match.group(1)), int(match.group(2) or match.group(3) or 0))


def read_time_range(text: str) -> tuple[time, time]:
    """Two times with a hyphen, a dash or a space between, as (start, end); errors as
    ``read_time``."""
    parts = _RANGE_SEPARATOR.split(text.strip())
    if len(parts) != 2:
        raise NotATimeError(text)
    return read_time(parts[0]), read_time(parts[1])


def parse_time(text: str) -> time | None:
    """``read_time``, or None for anything that is not a time."""
    try:
        return read_time(text)
    except (NotATimeError, ValueError):  # ValueError: a time that does not exist (25:00)
        return None


def parse_time_range(text: str) -> tuple[time, time] | None:
    """``read_time_range``, or None for anything that is not a range of two times."""
    try:
        return read_time_range(text)
    except (NotATimeError, ValueError):
        return None


# Zones whose city was renamed; the old name is still what many people type.
RENAMED = {
    "kiev": "Europe/Kyiv",
    "calcutta": "Asia/Kolkata",
    "saigon": "Asia/Ho_Chi_Minh",
    "rangoon": "Asia/Yangon",
    "katmandu": "Asia/Kathmandu",
    "bombay": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "peking": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "washington": "America/New_York",
    "san francisco": "America/Los_Angeles",
}
# Backward-compatible links we should not offer when a canonical name exists.
LEGACY = {
    "Europe/Kiev": "Europe/Kyiv",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Katmandu": "Asia/Kathmandu",
}


@dataclass(frozen=True, slots=True)
class ZoneLookup:
    """A resolved zone (or None) and near misses to suggest."""

    zone: str | None
    suggestions: list[str] = field(default_factory=list)


@cache
def _zones() -> dict[str, str]:
    """Lower-case keys (full names and city names) to canonical zone names."""
    names = {z for z in available_timezones() if "/" in z or z == "UTC"}
    names = {z for z in names if not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))}
    keys: dict[str, str] = {}
    for zone in sorted(names):
        canonical = LEGACY.get(zone, zone)
        keys[zone.lower()] = canonical
        city = zone.rsplit("/", 1)[-1].replace("_", " ").lower()
        keys.setdefault(city, canonical)
    for alias, zone in RENAMED.items():
        keys[alias] = zone
    return keys


def zone_names() -> list[str]:
    """Every zone ``lookup_timezone`` resolves to, by name (the Mini App's list)."""
    return sorted(set(_zones().values()))


def zone_aliases() -> dict[str, str]:
    """Old and other names people (and older devices) use, lower-case, to the zone's name."""
    return RENAMED | {old.lower(): new for old, new in LEGACY.items()}


def _key(text: str) -> str:
    return " ".join(text.strip().replace("_", " ").split()).lower()


def lookup_timezone(text: str, limit: int = 3) -> ZoneLookup:
    """The zone ``text`` names (case-insensitive, city names, renamed cities), or suggestions."""
    keys = _zones()
    wanted = _key(text)
    spaced = wanted.replace(" ", "_")
    for candidate in (wanted, spaced, wanted.replace("_", " ")):
        if candidate in keys:
            return ZoneLookup(keys[candidate])
    close = difflib.get_close_matches(wanted, list(keys), n=limit * 3, cutoff=0.6)
    suggestions = list(dict.fromkeys(keys[c] for c in close))[:limit]
    return ZoneLookup(None, suggestions)
