"""Textual bindings from the action registry (`tui.settings.keymap`)."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.settings.keymap import UserAction

S = TypeVar("S", bound=Screen[Any])


def binding(action: UserAction) -> Binding:
    """The Textual binding for one action."""
    return Binding(
        action.keys,
        action.action,
        action.description,
        show=action.footer > 0,
        priority=action.priority,
    )


def bindings(actions: tuple[UserAction, ...]) -> list[BindingType]:
    """BINDINGS for a screen built from its registry entries, footer ones first in their
    order (the footer shows bindings in order and a narrow one cuts the end)."""
    shown = sorted((a for a in actions if a.footer), key=lambda a: a.footer)
    ordered = shown + [a for a in actions if not a.footer]
    return [binding(a) for a in ordered]


def with_bindings(screen_class: type[S], actions: tuple[UserAction, ...]) -> type[S]:
    """A subclass of `screen_class` bound to `actions` (so remapped keys replace defaults)."""
    namespace = {"BINDINGS": bindings(actions), "ACTIONS": actions}
    return type(screen_class.__name__, (screen_class,), namespace)
