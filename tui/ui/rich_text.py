"""Server text as Rich Text: shown as typed, never interpreted as markup."""

from __future__ import annotations

from rich.text import Text

from tui.text.sanitize import MAX_CHARS, clean

__all__ = ["MAX_CHARS", "clean", "plain"]


def plain(value: object, style: str = "", limit: int = MAX_CHARS) -> Text:
    """A Rich Text of server text: shown as typed, never interpreted as markup."""
    return Text(clean(value, limit), style=style)
