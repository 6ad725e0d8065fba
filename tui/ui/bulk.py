"""Bulk actions as text: the confirmation (naming how many) and the per-conversation report.
The actions themselves run in the Fleet (`Fleet.act`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tui.client.actions import Outcome
from tui.store.status_store import StatusStore
from tui.store.view import Key
from tui.ui.rich_text import plain

SHOWN_IN_CONFIRM = 12


def confirmation(
    action: str, keys: Sequence[Key], hidden: int, store: StatusStore
) -> tuple[Text, Text]:
    """The question (naming how many) and the detail (which ones; marked but hidden)."""
    n = len(keys)
    question = Text(f"{action.capitalize()} {n} conversation{'s' if n != 1 else ''}?", style="bold")
    detail = Text()
    if hidden:
        verb = "is" if hidden == 1 else "are"
        detail.append(f"⚠ {hidden} of them {verb} marked but hidden by the filter\n", "bold yellow")
    for key in keys[:SHOWN_IN_CONFIRM]:
        view = store.get(key)
        detail.append("  • ")
        detail.append_text(plain(view.title if view and view.title else key[1][:8], "", 70))
        detail.append(f"  ({key[0]})\n", "dim")
    if n > SHOWN_IN_CONFIRM:
        detail.append(f"  … and {n - SHOWN_IN_CONFIRM} more\n", "dim")
    return question, detail


def report(results: Sequence[tuple[Key, Outcome]], store: StatusStore) -> Text:
    """One line per conversation: ✔ or ✖, its title, what the server said."""
    out = Text()
    for key, outcome in results:
        view = store.get(key)
        out.append("✔ " if outcome.ok else "✖ ", "green" if outcome.ok else "bold red")
        out.append_text(plain(view.title if view and view.title else key[1][:8], "", 60))
        out.append_text(plain(f"  {outcome.message}", "dim", 160))
        out.append("\n")
    return out
