"""The command palette (ctrl+p) lists the same actions as the footer and help."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from tui.settings.keymap import UserAction


class ActionCommands(Provider):
    """Every action of the current screen's registry, with its keys."""

    def _actions(self) -> tuple[UserAction, ...]:
        return tuple(getattr(self.screen, "ACTIONS", ()))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            text = f"{action.description} ({action.key_label})"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self.screen.run_action, action.action),
                    help=action.group,
                )

    async def discover(self) -> Hits:
        for action in self._actions():
            text = f"{action.description} ({action.key_label})"
            yield Hit(1.0, text, partial(self.screen.run_action, action.action), help=action.group)
