"""EventStore: the newest events of each conversation, deduplicated, bounded."""

from __future__ import annotations

from tui.protocol.events import Event
from tui.store.signal import Signal
from tui.store.view import Key

DEFAULT_EVENT_CAP = 200


class EventStore:
    """Keeps at most `cap` events per conversation and drops ids already seen."""

    def __init__(self, cap: int = DEFAULT_EVENT_CAP) -> None:
        self.cap = cap
        # Plain lists and dicts, not deques and OrderedDicts: at 10,000 conversations their
        # fixed overhead (a deque block is 64 slots) was tens of megabytes.
        self._events: dict[Key, list[Event]] = {}
        # Ids remembered for dedupe (oldest first); more than the kept window, so a replay is
        # recognised.
        self._seen: dict[Key, dict[str, None]] = {}
        self.added: Signal[Key] = Signal()

    def add(self, key: Key, event: Event) -> bool:
        """Store `event` unless its id was seen. Returns True when it was new."""
        seen = self._seen.setdefault(key, {})
        if event.id:
            if event.id in seen:
                return False
            seen[event.id] = None
            if len(seen) > self.cap * 4:
                del seen[next(iter(seen))]
        kept = self._events.setdefault(key, [])
        kept.append(event)
        if len(kept) > self.cap:
            del kept[0]
        self.added.emit(key)
        return True

    def forget(self, key: Key) -> None:
        """Let go of a conversation's events (it is gone from its server)."""
        self._events.pop(key, None)
        self._seen.pop(key, None)

    def events(self, key: Key) -> list[Event]:
        """The kept events of one conversation, oldest first."""
        return list(self._events.get(key, ()))

    def latest(self, key: Key) -> Event | None:
        """The newest kept event of one conversation, if any."""
        kept = self._events.get(key)
        return kept[-1] if kept else None

    def count(self, key: Key) -> int:
        """How many events are kept for one conversation."""
        return len(self._events.get(key, ()))

    def total(self) -> int:
        """How many events are kept overall."""
        return sum(len(d) for d in self._events.values())
