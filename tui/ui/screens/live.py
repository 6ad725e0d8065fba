"""The base of screens that show live store data; the app refreshes every one in its stack."""

from __future__ import annotations

from textual.screen import ModalScreen, Screen

from tui.store.view import Key


class Live:
    """What the app calls on a screen over the stores while it is anywhere in the stack, so
    nothing is stale when the screen above it closes, and nothing on it is frozen while open."""

    def refresh_all(self, keys: frozenset[Key] | None) -> None:
        """The stores changed (keys: the conversations that changed; None: anything)."""

    def refresh_events(self, keys: frozenset[Key]) -> None:
        """New events arrived for these conversations."""

    def refresh_links(self) -> None:
        """A server or stream link changed."""

    def tick(self) -> None:
        """Once a second while visible: durations on screen move on."""

    def show_paused(self, waiting: int | None) -> None:
        """The view is paused (`waiting` updates held) or resumed (None)."""


class LiveScreen(Live, Screen[None]):
    """A full screen over the stores."""


class LiveModal(Live, ModalScreen[None]):
    """A dialog over the stores (the queue, the alerts, the error groups): live while open."""
