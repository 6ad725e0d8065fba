"""Server text made safe to show: never markup, no control characters, bounded length."""

from __future__ import annotations

import re

from rich.text import Text

MAX_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: object, limit: int = MAX_CHARS) -> str:
    """Plain one-line text: control characters (ANSI escapes among them) neutralised, cut."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("�", text)


def plain(value: object, style: str = "", limit: int = MAX_CHARS) -> Text:
    """A Rich Text of server text: shown as typed, never interpreted as markup."""
    return Text(clean(value, limit), style=style)
