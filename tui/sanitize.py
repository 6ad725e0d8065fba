"""Server text made safe for a terminal: one line, no control characters, bounded (no Rich)."""

from __future__ import annotations

import re

MAX_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: object, limit: int = MAX_CHARS) -> str:
    """Plain one-line text: control characters (ANSI escapes among them) neutralised, cut."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("�", text)
