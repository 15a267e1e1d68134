"""IANA time zone names from what people type: "Kiev", "europe/berlin", "new york"."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import available_timezones

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
