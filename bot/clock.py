"""Times of day as people write them: "07:30", "7.30", "0730", "7", and ranges "23:00-07:00"."""

from __future__ import annotations

import re
from datetime import time

_TIME = re.compile(r"(\d{1,2})(?:[:.h](\d{2})|(\d{2}))?")
_RANGE_SEPARATOR = re.compile(r"\s*[-–—]\s*|\s+")


class NotATimeError(ValueError):
    """Text that does not have the shape of a time of day (or of a range of two)."""


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
    except ValueError:
        return None


def parse_time_range(text: str) -> tuple[time, time] | None:
    """``read_time_range``, or None for anything that is not a range of two times."""
    try:
        return read_time_range(text)
    except ValueError:
        return None
