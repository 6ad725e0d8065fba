"""Messages between screens and the app (typed, routed with `@on`; no duck typing)."""

from __future__ import annotations

from textual.message import Message

from tui.store.view import Key


class OpenConversation(Message):
    """Show the detail of one conversation (from the list, the alerts or the queue)."""

    def __init__(self, key: Key) -> None:
        self.key = key
        super().__init__()


class FindText(Message):
    """Show the conversations matching this text (an error code, say) in the list."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


class WriteReport(Message):
    """Write a triage report of one conversation to a file."""

    def __init__(self, key: Key) -> None:
        self.key = key
        super().__init__()


class BulkAction(Message):
    """Act on these conversations (after confirming); `hidden`: marked but filtered."""

    def __init__(self, action: str, keys: list[Key], hidden: int) -> None:
        self.action = action
        self.keys = keys
        self.hidden = hidden
        super().__init__()
