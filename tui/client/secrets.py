"""Every key ohtop knows, and their redaction from anything it shows, logs or prints.

Keys come from the configuration and from servers (a V1 sandbox's `session_api_key`). A server
that echoes a key back (in an error detail, an error event, a close reason) must not put it on
screen, in the log file or in `status --json`: text is redacted where it enters ohtop's stores,
logs and outputs.
"""

from __future__ import annotations

import logging
from typing import Final

MASK: Final = "‹redacted›"
MIN_LENGTH = 6  # shorter values would redact ordinary words
_PROBE = 6  # keys are found by their first characters, then compared in full

_keys: dict[str, list[str]] = {}  # first _PROBE characters -> the keys that start with them


def remember(*secrets: str | None) -> None:
    """Make these values secret from now on (None and short values are ignored)."""
    for secret in secrets:
        if secret and len(secret) >= MIN_LENGTH:
            bucket = _keys.setdefault(secret[:_PROBE], [])
            if secret not in bucket:
                bucket.append(secret)
                bucket.sort(key=len, reverse=True)  # the longest match wins


def forget_all() -> None:
    """Forget every key (tests)."""
    _keys.clear()


def redact(text: str) -> str:
    """`text` with every known key replaced by a mask. Cheap when there is nothing to hide:
    one dictionary lookup per position, whatever the number of keys."""
    if not _keys or len(text) < MIN_LENGTH:
        return text
    out: list[str] = []
    i = start = 0
    end = len(text) - MIN_LENGTH + 1
    while i < end:
        bucket = _keys.get(text[i : i + _PROBE])
        hit = next((k for k in bucket if text.startswith(k, i)), None) if bucket else None
        if hit is None:
            i += 1
            continue
        out += [text[start:i], MASK]
        i = start = i + len(hit)
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


class RedactingFilter(logging.Filter):
    """A log filter that redacts known keys from every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
