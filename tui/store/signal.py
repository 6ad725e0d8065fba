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
        # A tuple, replaced on (un)subscribe: emit runs per event and must not copy it.
        self._subscribers: tuple[Callable[[T], None], ...] = ()

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Register `callback`; returns a function that unsubscribes it."""
        self._subscribers += (callback,)

        def unsubscribe() -> None:
            subscribers = list(self._subscribers)
            if callback in subscribers:
                subscribers.remove(callback)
                self._subscribers = tuple(subscribers)

        return unsubscribe

    def emit(self, value: T) -> None:
        """Deliver `value` to every subscriber."""
        for callback in self._subscribers:
            try:
                callback(value)
            except Exception:
                log.exception("store subscriber failed")
