"""WebSocketStore: the state of every link (server REST links and event streams)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Final

from tui.client.secrets import redact
from tui.store.signal import Signal


class LinkState(StrEnum):
    """The web UI's connection states, plus FAILED for links that will not be retried alone."""

    DISCONNECTED = "DISCONNECTED"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    RECONNECTING = "RECONNECTING"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """What the connection panel shows for one link."""

    name: LinkId
    state: LinkState = LinkState.DISCONNECTED
    detail: str = ""  # server kind and version, or stream endpoint
    attempt: int = 0
    next_retry_at: float | None = None  # monotonic
    last_error: str | None = None
    last_close_code: int | None = None
    received: int = 0
    last_event_at: float | None = None  # wall clock
    group: str = ""  # the server a stream belongs to ("" for server links)
    budget: str = ""  # a server's request budget and its use
    freshness: str = ""  # how a server's statuses are learnt, and how late they can be
    title: str = ""


SERVER_PREFIX = "server "
STREAM_PREFIX = "stream "


class LinkId(str):
    """A link's name, typed: its server, and for a stream its conversation. It reads as people
    read it ("server prod", "stream prod/ab12…") and keys the store as that string, while
    every face takes its parts from it, never parsing the text back."""

    server: str
    conversation: str | None

    def __new__(cls, server: str, conversation: str | None = None) -> LinkId:
        if conversation is None:
            text = f"{SERVER_PREFIX}{server}"
        else:
            text = f"{STREAM_PREFIX}{server}/{conversation}"
        self = super().__new__(cls, text)
        self.server, self.conversation = server, conversation
        return self

    @property
    def is_server(self) -> bool:
        """A server's REST link (streams come and go; servers are what health is)."""
        return self.conversation is None

    @classmethod
    def of(cls, name: str) -> LinkId:
        """The typed id of a name given as text (a test's, a log's). A name of neither shape
        is a link of no server, not a server's."""
        if isinstance(name, LinkId):
            return name
        if name.startswith(SERVER_PREFIX):
            return cls(name.removeprefix(SERVER_PREFIX))
        server, _, conversation = name.removeprefix(STREAM_PREFIX).rpartition("/")
        if name.startswith(STREAM_PREFIX) and server and conversation:
            return cls(server, conversation)
        other = super().__new__(cls, name)
        other.server, other.conversation = "", name
        return other


def server_link(server: str) -> LinkId:
    """The link of a server's REST polling."""
    return LinkId(server)


def is_server_link(name: str) -> bool:
    """True for a server's REST link."""
    return LinkId.of(name).is_server


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP  # a field left as it is by `WebSocketStore.set`


class WebSocketStore:
    """Owns every `LinkInfo`; emits the link name on each change."""

    def __init__(self) -> None:
        self._links: dict[str, LinkInfo] = {}
        self.changed: Signal[str] = Signal()  # any field
        self.state_changed: Signal[str] = Signal()  # its state or error: what people watch

    def get(self, name: str) -> LinkInfo:
        """The link called `name` (DISCONNECTED if never seen)."""
        return self._links.get(name) or LinkInfo(LinkId.of(name))

    def find(self, name: str) -> LinkInfo | None:
        """The link called `name`, or None if never seen (no default made: scrapes ask this
        of every conversation)."""
        return self._links.get(name)

    def has(self, name: str) -> bool:
        """Whether a link of that name is known."""
        return name in self._links

    def links(self) -> list[LinkInfo]:
        """All links, in the order they were first seen."""
        return list(self._links.values())

    def set(
        self,
        name: str,
        *,
        state: LinkState | _Keep = KEEP,
        detail: str | _Keep = KEEP,
        attempt: int | _Keep = KEEP,
        next_retry_at: float | _Keep | None = KEEP,
        last_error: str | _Keep | None = KEEP,
        last_close_code: int | _Keep | None = KEEP,
        received: int | _Keep = KEEP,
        last_event_at: float | _Keep | None = KEEP,
        group: str | _Keep = KEEP,
        budget: str | _Keep = KEEP,
        freshness: str | _Keep = KEEP,
        title: str | _Keep = KEEP,
    ) -> None:
        """Change some fields of a link (the others keep their values)."""
        given: dict[str, Any] = {
            "state": state,
            "detail": detail,
            "attempt": attempt,
            "next_retry_at": next_retry_at,
            "last_error": last_error,
            "last_close_code": last_close_code,
            "received": received,
            "last_event_at": last_event_at,
            "group": group,
            "budget": budget,
            "freshness": freshness,
            "title": title,
        }
        changes = {k: v for k, v in given.items() if v is not KEEP}
        for text in ("last_error", "detail"):  # a server may echo a key back
            if isinstance(changes.get(text), str):
                changes[text] = redact(changes[text])
        name = LinkId.of(name)
        if name.conversation is not None and name.server and "group" not in changes:
            changes["group"] = name.server  # a stream belongs to its server
        old = self.get(name)
        new = dataclasses.replace(old, **changes)
        if new != old or name not in self._links:
            known = name in self._links
            self._links[name] = new
            self.changed.emit(name)
            said = (new.state, new.last_error, new.detail)
            if not known or said != (old.state, old.last_error, old.detail):
                self.state_changed.emit(name)

    def update(self, name: str, **fields: Any) -> None:
        """Change fields of a link that is known; one not (or no longer) known stays unknown:
        a stopped stream's last counters must not bring its link back."""
        if name in self._links:
            self.set(name, **fields)

    def remove(self, name: str) -> None:
        """Forget a link (a stream that is no longer wanted)."""
        if self._links.pop(name, None) is not None:
            self.changed.emit(name)
            self.state_changed.emit(name)

    def totals(self) -> dict[LinkState, int]:
        """How many links are in each state."""
        out = dict.fromkeys(LinkState, 0)
        for link in self._links.values():
            out[link.state] += 1
        return out
