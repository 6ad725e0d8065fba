"""Server text made safe for a terminal: one line, no control characters, bounded (no Rich).

Besides C0/C1 controls (escape sequences among them), characters that reorder or hide text
(bidi overrides and isolates, line and paragraph separators) are replaced, and characters whose
width terminals and Rich disagree on (zero-width marks, variation selectors, tag characters,
Hangul fillers) are dropped or replaced, so a title cannot break the table's alignment.
"""

from __future__ import annotations

import json
import re

from tui.client.secrets import longest, redact

MAX_CHARS = 500
REPLACEMENT = "\ufffd"
_SHOWN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls (ESC among them)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators
    "\u115f\u1160\u3164\uffa0]"  # Hangul fillers: blank, but wide in some terminals
)
_DROPPED = re.compile(
    "[\u200b-\u200d\u2060-\u2064\ufeff"  # zero-width spaces, joiners, word joiner, BOM
    "\ufe00-\ufe0f\U000e0000-\U000e007f\U000e0100-\U000e01ef]"  # selectors, tags
)


def safe_json(data: object, indent: int | None = None) -> str:
    """JSON for a terminal or a pipe: keys redacted, and every character that reorders or
    hides text (or that terminals draw at odd widths) written as a `\\uXXXX` escape, so the
    text is exact for a program that decodes it and inert for a person who reads it."""
    text = redact(json.dumps(data, indent=indent, ensure_ascii=False))
    return _DROPPED.sub(_escape, _SHOWN.sub(_escape, text))


def _escape(match: re.Match[str]) -> str:
    return "".join(
        f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else _surrogates(ord(c)) for c in match.group()
    )


def _surrogates(code: int) -> str:
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def clean(value: object, limit: int = MAX_CHARS) -> str:
    """Plain one-line text: keys hidden first (a cut must not leave a piece of one that is no
    longer recognised), then control and reordering characters neutralised, then cut."""
    text = "" if value is None else str(value)
    if len(text) > limit + longest():  # a huge text: what is past any key at the limit goes
        text = text[: limit + longest()]
    text = redact(text)
    text = text.replace("\n", " ").replace("\t", " ")
    text = _DROPPED.sub("", _SHOWN.sub(REPLACEMENT, text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
