"""One supervisor for the tasks that must never end on their own (a server's monitor, a
conversation's stream worker): when one does, it is logged, counted, said in the errors store
and on its link, and started again after a backoff."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Hashable

from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff

log = logging.getLogger(__name__)


class Supervisor:
    """Restarts, with backoff, what ended without being asked to."""

    def __init__(self, stores: Stores, backoff: Backoff, rng: random.Random | None = None) -> None:
        self.stores = stores
        self.backoff = backoff
        self._rng = rng or random.Random()
        self._attempts: dict[Hashable, int] = {}
        self.restarted = 0  # restarts so far, of every task

    def ended(
        self,
        ident: Hashable,
        task: asyncio.Future[None],
        *,
        label: str,
        link: str,
        server: str,
        restart: Callable[[], None],
        kind: str = "internal",
        conversation: str | None = None,
    ) -> None:
        """`task` (what `ident` names: a server, a conversation) ended on its own: say why,
        and call `restart` after a backoff that grows with each time it happened."""
        exc = task.exception()
        what = f"{type(exc).__name__}: {exc}" if exc else "ended"
        log.error("%s %s ended: %s", label, ident, what, exc_info=exc)
        attempt = self._attempts[ident] = self._attempts.get(ident, 0) + 1
        self.restarted += 1
        delay = self.backoff.delay(attempt, self._rng)
        self.stores.errors.add(server, kind, f"{label} ended ({what}); restarting", conversation)
        self.stores.links.set(
            link,
            state=LinkState.RECONNECTING,
            attempt=attempt,
            next_retry_at=time.monotonic() + delay,
            last_error=f"{label} ended unexpectedly: {what}"[:160],
        )
        asyncio.get_running_loop().call_later(delay, restart)

    def forget(self, ident: Hashable) -> None:
        """`ident` is gone: its count of restarts with it."""
        self._attempts.pop(ident, None)
