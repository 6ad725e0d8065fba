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
RUN = 8  # a run of this many characters of a key is a piece of it: redacted too

# Every run of RUN characters of every key (and each key shorter than RUN, whole) -> where it
# occurs: (key, offset). A text is searched with one lookup per position.
_pieces: dict[str, list[tuple[str, int]]] = {}
_short: set[str] = set()
_longest = 0


def longest() -> int:
    """The length of the longest key known."""
    return _longest


def remember(*secrets: str | None, every_piece: bool = True) -> None:
    """Make these values secret from now on (None and short values are ignored): every run of
    RUN characters of them, or (`every_piece` False: the many keys servers hand out, one per
    sandbox) the key and any part of it that starts where it starts."""
    global _longest
    for secret in secrets:
        if not secret or len(secret) < MIN_LENGTH:
            continue
        _longest = max(_longest, len(secret))
        if len(secret) < RUN:
            _short.add(secret)
            continue
        for at in range(len(secret) - RUN + 1 if every_piece else 1):
            found = _pieces.setdefault(secret[at : at + RUN], [])
            if (secret, at) not in found:
                found.append((secret, at))


def forget_all() -> None:
    """Forget every key (tests)."""
    global _longest
    _longest = 0
    _pieces.clear()
    _short.clear()


def redact(text: str) -> str:
    """`text` with every known key, and every run of RUN or more of a key's characters (a key
    cut by someone else's length limit, a prefix echoed back), replaced by a mask. Cheap when
    there is nothing to hide: one dictionary lookup per position, whatever the number of
    keys."""
    if (not _pieces and not _short) or len(text) < MIN_LENGTH:
        return text
    for short in _short:
        if short in text:
            text = text.replace(short, MASK)
    if not _pieces:
        return text
    out: list[str] = []
    i = start = 0
    end = len(text) - RUN + 1
    while i < end:
        found = _pieces.get(text[i : i + RUN])
        if found is None:
            i += 1
            continue
        longest = max(_run(text, i, key, at) for key, at in found)
        out += [text[start:i], MASK]
        i = start = i + longest
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


def _run(text: str, i: int, key: str, at: int) -> int:
    """How many characters of `text` from `i` go on matching `key` from `at`."""
    n = RUN
    while i + n < len(text) and at + n < len(key) and text[i + n] == key[at + n]:
        n += 1
    return n


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
