"""A minimal change-notification primitive for the stores."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Signal(Generic[T]):
    """Calls every subscriber with a value; a failing subscriber is logged, never propagated."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[T], None]] = []

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Register `callback`; returns a function that unsubscribes it."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(self, value: T) -> None:
        """Deliver `value` to every subscriber."""
        for callback in list(self._subscribers):
            try:
                callback(value)
            except Exception:
                log.exception("store subscriber failed")
