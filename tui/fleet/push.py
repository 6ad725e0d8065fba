"""Events an agent server pushes (its webhooks, `OH_WEBHOOKS_<i>_BASE_URL`) into the stores.

An agent server posts each conversation's events in batches (`POST {base}/events/{hex}`, a
JSON array) and its lifecycle (`POST {base}/conversations`, a `ConversationInfo`, on start,
pause, interrupt, update and delete; never on finish or error). Delivery is at least once and
lossy past its queue (1,000 events, oldest dropped) or when ohtop was not there to answer; so
each event is taken once by id, and a conversation's history is read again over REST (its
`events/search`) when it first pushes in a run, after the receiver restarts, and every
`REPAIR_EVERY` seconds while it pushes: what was missed is taken then, oldest first, as old
news (it never moves a status back). While a server pushes, its per-id polls slow to a
heartbeat (`ServerMonitor.pushed`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

from tui.client.errors import ApiError
from tui.client.sources import PagedSource
from tui.client.stream import Incoming
from tui.protocol.base import PayloadError
from tui.protocol.events import Event, parse_event
from tui.store.view import Key
from tui.sync.ingest import EventSink

if TYPE_CHECKING:
    from tui.fleet.fleet import Fleet

log = logging.getLogger(__name__)
REPAIR_EVERY = 60.0  # seconds between two repairs of a conversation that keeps pushing
REPAIR_PAGES = 200  # 20,000 events: the most one repair reads
IDS_KEPT = 20_000  # event ids remembered per conversation (the dedupe memory)
LOOK_EVERY = 10.0  # seconds between two re-listings for pushes of unknown conversations


class PushIntake:
    """Takes pushed events and lifecycle posts for a Fleet, and repairs their gaps."""

    def __init__(self, fleet: Fleet, repair_every: float = REPAIR_EVERY) -> None:
        self.fleet = fleet
        self.sink = EventSink(fleet.stores)
        self.repair_every = repair_every
        self.ids: dict[Key, dict[str, None]] = {}  # every event id taken, per conversation
        self.duplicates = 0  # events pushed again (at least once: not an error)
        self.unknown: Counter[str] = Counter()  # events of conversations nobody watches
        self.repaired: Counter[Key] = Counter()  # events taken by repairs
        self._index: dict[str, Key] = {}
        self._due: dict[Key, float] = {}  # when each pushing conversation is repaired next
        self._tasks: set[asyncio.Task[int]] = set()
        self._looked_at = 0.0

    # -- what arrives -----------------------------------------------------------------

    def events(self, conversation: str, raw: list[Any]) -> int:
        """A batch of pushed events for one conversation; how many were new."""
        key = self.key_of(conversation)
        if key is None:  # not listed yet (new on its server): look again, now and then
            self.unknown[conversation] += len(raw)
            if time.monotonic() - self._looked_at > LOOK_EVERY:
                self._looked_at = time.monotonic()
                self.fleet.refresh()
            return 0
        taken = 0
        for item in raw:
            try:
                event = parse_event(item)
            except PayloadError:
                continue
            taken += self._take(key, event, "push")
        self._pushed(key)
        return taken

    def conversation(self, info: Any) -> None:
        """A lifecycle post: read the conversation's state again now."""
        cid = info.get("id") if isinstance(info, dict) else None
        key = self.key_of(str(cid)) if cid else None
        if key is not None:
            self._pushed(key)
            self.fleet.poll_soon(key)

    def receiver_restarted(self) -> None:
        """The receiver was down: whatever pushed may have lost a batch; repair them all."""
        now = time.monotonic()
        for key in self._due:
            self._due[key] = now

    # -- repair ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Start the repairs that are due (the Fleet's ticker calls this every second)."""
        now = time.monotonic()
        for key, at in list(self._due.items()):
            if at <= now:
                self._due[key] = now + self.repair_every
                task = asyncio.ensure_future(self.repair(key))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def repair(self, key: Key) -> int:
        """Read the conversation's whole history and take what was missed; how many."""
        monitor = self.fleet.monitor_of(key[0])
        source = monitor.source if monitor is not None else None
        if not isinstance(source, PagedSource):
            return 0
        try:
            events, _complete = await source.every_event(key[1], REPAIR_PAGES)
        except ApiError as exc:
            log.info("repair of %s failed: %s", key, exc)
            self._due[key] = time.monotonic()  # again at the next tick after the backoff
            return 0
        taken = sum(self._take(key, e, "push repair", replay=True) for e in events)
        self.repaired[key] += taken
        if taken:
            self.fleet.poll_soon(key)  # what it missed may have moved its status
        return taken

    async def stop(self) -> None:
        """End the repairs under way."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- inside -----------------------------------------------------------------------------

    def key_of(self, conversation: str) -> Key | None:
        """The watched conversation with this id (hex or dashed), on any server."""
        try:
            wanted = uuid.UUID(conversation).hex
        except ValueError:
            return None
        key = self._index.get(wanted)
        if key is not None and key in self.fleet.stores.status:
            return key
        self._index = {}
        for known in self.fleet.stores.status.all_keys():
            try:
                self._index[uuid.UUID(known[1]).hex] = known
            except ValueError:
                continue
        return self._index.get(wanted)

    def _take(self, key: Key, event: Event, via: str, replay: bool = False) -> int:
        ids = self.ids.setdefault(key, {})
        if event.id and event.id in ids:
            self.duplicates += not replay
            return 0
        if event.id:
            ids[event.id] = None
            if len(ids) > IDS_KEPT:
                del ids[next(iter(ids))]
        self.sink.ingest(key, Incoming(event, replay=replay), via=via)
        return 1

    def _pushed(self, key: Key) -> None:
        monitor = self.fleet.monitor_of(key[0])
        if monitor is not None:
            monitor.pushed(time.monotonic())
        self._due.setdefault(key, time.monotonic())  # the first push in this run: repair
