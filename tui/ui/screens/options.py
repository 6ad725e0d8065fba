"""Option lists that follow live data: redrawn in place, the highlight kept on its item."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option


def one_line(text: Text) -> Text:
    """`text` kept to one line, cut with an ellipsis (a wrapped line would start under the
    first column and read as another item)."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def show_options(options: OptionList, items: list[tuple[str, Text]], empty: str) -> bool:
    """Put `items` (id, line) in the list; the highlighted item stays highlighted wherever it
    moved (else the same row). Returns False when nothing changed."""
    shown = [(o.id, str(o.prompt)) for o in options.options]
    wanted: list[tuple[str | None, str]] = [(ident, line.plain) for ident, line in items]
    wanted = wanted or [(None, empty)]
    if shown == wanted:
        return False
    at = options.highlighted
    current = options.get_option_at_index(at).id if at is not None and options.options else None
    options.clear_options()
    if not items:
        options.add_option(Option(empty, disabled=True))
        return True
    options.add_options(Option(line, id=ident) for ident, line in items)
    ids = [ident for ident, _ in items]
    options.highlighted = ids.index(current) if current in ids else min(at or 0, len(ids) - 1)
    return True
