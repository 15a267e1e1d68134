"""Logging set-up: one line per event, and the bot token never in any of them."""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType

# Bot API URLs carry the token: https://api.telegram.org/bot<token>/sendMessage
TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
REDACTED = "<token>"
_configured: list[str] = []  # the token of this process, once logging is set up


def redact(text: str, token: str | None = None) -> str:
    """``text`` without the bot token (given, or configured) or anything shaped like one."""
    for secret in (token, *_configured):
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_PATTERN.sub(REDACTED, text)


def _redacting_excepthook(
    kind: type[BaseException], value: BaseException, trace: TracebackType | None
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, trace))))


class RedactTokens(logging.Filter):
    """Replace anything that looks like a bot token (and the configured one) in records."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token

    def redact(self, text: str) -> str:
        return redact(text, self.token)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: str = "INFO", token: str | None = None, *, json_lines: bool = False
) -> None:
    """Log to stderr; quiet the HTTP libraries, whose INFO lines print request URLs.

    Tracebacks that reach the top of the process are redacted as well.
    """
    _configured[:] = [token] if token else []
    sys.excepthook = _redacting_excepthook
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT, "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(RedactTokens(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
