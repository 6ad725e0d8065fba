"""The base of screens that show live store data; the app refreshes every one in its stack."""

from __future__ import annotations

from textual.screen import Screen

from tui.state.view import Key


class LiveScreen(Screen[None]):
    """A screen over the stores. The app calls these while the screen is anywhere in the stack,
    so nothing is stale when the screen above it closes."""

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
