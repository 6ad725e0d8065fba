"""Per-kind access to conversations: V1 app server, V0 app server, agent server, and an
app server that serves both V1 and V0 (openhands-ai 1.0 to 1.6)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient
from tui.protocol.base import PayloadError, WireModel, validate, validate_items
from tui.protocol.conversations import AgentConversation, AppConversation, Page, V0Conversation
from tui.protocol.events import ConversationErrorEvent, Event, TaskItem, parse_event
from tui.protocol.ids import dashed, segment
from tui.protocol.status import ServerKind
from tui.protocol.v0_events import parse_v0_event

AnyConversation = AppConversation | V0Conversation | AgentConversation
BATCH_LIMIT = 99  # `?ids=` takes at most 99 ids (1.11.0 answers 400 from 100 on)
PAGE_LIMIT = 100
PAGE_CAP = 1_000  # items read from one page, whatever a server sends
NEWEST_LIMIT = 10  # a look at the newest conversations only (finding new ones quickly)
MAX_PAGES = 1000
TASK_PAGES = 3  # pages of newest observations searched for the latest task list
HISTORY_PAGES = 5  # pages (of 100) of one event kind read for a timeline
# The events a timeline is built from: status changes, errors, pauses, rejected actions.
HISTORY_KINDS = (
    "ConversationStateUpdateEvent",
    "ConversationErrorEvent",
    "PauseEvent",
    "UserRejectObservation",
)


@dataclass(slots=True)
class Fetched:
    """A batch answer: conversations by requested id (None: deleted/unknown), rejected items."""

    found: dict[str, AnyConversation | None]
    rejected: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # id -> why the server refused it


@dataclass(slots=True)
class Details:
    """What REST events add to a snapshot: the latest task list and the last error."""

    tasks: list[TaskItem] | None = None
    error: ConversationErrorEvent | None = None


class ConversationSource(Protocol):
    """What the monitor needs from a server, whatever its kind."""

    kind: ServerKind
    rest: RestClient

    async def list_page(
        self, page_id: str | None, limit: int = PAGE_LIMIT
    ) -> tuple[list[AnyConversation], str | None, int]:
        """One page of the listing, newest first: items, next cursor, rejected item count."""
        ...

    async def count(self) -> int | None:
        """How many conversations the server lists, when it can say so cheaply."""
        ...

    async def fetch(self, ids: Sequence[str]) -> Fetched:
        """Current state of up to BATCH_LIMIT conversations."""
        ...

    async def details(self, conversation_id: str, want_error: bool) -> Details:
        """Latest task list (and last error when asked) from the event history."""
        ...

    async def history(self, conversation_id: str) -> list[Event] | None:
        """The events a timeline is built from, oldest first; None: no history here."""
        ...

    async def recent(self, conversation_id: str, n: int) -> list[Event] | None:
        """The newest `n` events of any kind, oldest first; None: no history here."""
        ...


def _page(raw: Any, model: type[WireModel], v0: bool = False) -> tuple[list[Any], str | None, int]:
    try:
        page = Page.from_v0(raw) if v0 else Page.model_validate(raw)
    except Exception as exc:
        raise ApiError(ErrorKind.BAD_PAYLOAD, f"not a page of conversations: {exc}") from exc
    # A page asked for 100 items at most; one of 200,000 would hold the event loop for
    # seconds. The rest is left out (and counted); the next listing pages on.
    overflow = max(0, len(page.items) - PAGE_CAP)
    items, rejected = validate_items(page.items[:PAGE_CAP], model)
    rejected += overflow
    return [i for i in items if i is not None], page.next_page_id, rejected


def _batch(raw: Any, ids: Sequence[str], model: type[WireModel]) -> Fetched:
    """Batches answer in request order with null for missing ids; match by id, not position."""
    cap = 2 * len(ids) + 1
    overflow = max(0, len(raw) - cap) if isinstance(raw, list) else 0
    try:
        items, rejected = validate_items(raw[:cap] if overflow else raw, model)
    except PayloadError as exc:
        raise ApiError(ErrorKind.BAD_PAYLOAD, str(exc)) from exc
    rejected += overflow
    found: dict[str, AnyConversation | None] = {}
    for item in items:
        if item is not None:
            found[conversation_id(item)] = item  # type: ignore[arg-type,assignment]
    if len(items) == len(ids):
        for wanted, item in zip(ids, items, strict=True):
            if item is None:
                found.setdefault(wanted, None)
    return Fetched(found, rejected)


def conversation_id(c: AnyConversation) -> str:
    """The canonical id of a conversation of any kind."""
    return c.conversation_id if isinstance(c, V0Conversation) else c.id


def _events(raw: Any) -> tuple[list[Event], str | None]:
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise ApiError(ErrorKind.BAD_PAYLOAD, "not a page of events")
    events = [parse_event(e) for e in raw["items"] if isinstance(e, dict)]
    nxt = raw.get("next_page_id")
    return events, nxt if isinstance(nxt, str) else None


def latest_tasks(events: list[Event]) -> list[TaskItem] | None:
    """The task list of the newest task-tracker observation among `events` (newest first)."""
    from tui.protocol.events import ObservationEvent

    for e in events:
        if isinstance(e, ObservationEvent) and e.task_list is not None:
            return e.task_list
    return None


class PagedSource:
    """V1 app server and agent server: paged search, `?ids=` batches, `events/search`.

    Subclasses name their paths, model, id form and the event-kind parameter.
    """

    kind: ServerKind
    rest: RestClient
    search_path: str
    count_path: str
    batch_path: str
    events_path: str  # with {id}
    kind_param: str
    model: type[AppConversation] | type[AgentConversation]

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    def wire_id(self, conversation_id: str) -> str:
        """The id form this server expects in paths and `?ids=`."""
        return conversation_id

    async def list_page(
        self, page_id: str | None, limit: int = PAGE_LIMIT
    ) -> tuple[list[AnyConversation], str | None, int]:
        params: dict[str, Any] = {"limit": limit}
        if page_id:
            params["page_id"] = page_id
        raw = await self.rest.get_json(self.search_path, params, False)
        return _page(raw, self.model)

    async def count(self) -> int | None:
        """The server's count endpoint: a database count, no fan-out to sandboxes."""
        raw = await self.rest.get_json(self.count_path, conditional=False)
        return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None

    async def fetch(self, ids: Sequence[str]) -> Fetched:
        raw = await self.rest.get_json(self.batch_path, [("ids", self.wire_id(i)) for i in ids])
        return _batch(raw, ids, self.model)

    async def _search(
        self, cid: str, kind: str, limit: int, page_id: str | None, order: str = "TIMESTAMP_DESC"
    ) -> Any:
        params: dict[str, Any] = {self.kind_param: kind, "sort_order": order, "limit": limit}
        if page_id:
            params["page_id"] = page_id
        path = self.events_path.format(id=segment(self.wire_id(cid)))
        return await self.rest.get_json(path, params, conditional=False)

    async def details(self, conversation_id: str, want_error: bool) -> Details:
        """Latest task list (a few pages of observations at most) and, if asked, last error."""
        out = Details()
        page_id: str | None = None
        for _ in range(TASK_PAGES):
            raw = await self._search(conversation_id, "ObservationEvent", PAGE_LIMIT, page_id)
            events, page_id = _events(raw)
            out.tasks = latest_tasks(events)
            if out.tasks is not None or not page_id:
                break
        if want_error:
            raw = await self._search(conversation_id, "ConversationErrorEvent", 1, None)
            errors = [e for e in _events(raw)[0] if isinstance(e, ConversationErrorEvent)]
            out.error = errors[0] if errors else None
        return out

    async def history(self, conversation_id: str) -> list[Event] | None:
        """Each timeline kind, paged (bounded), merged by timestamp."""
        out: list[Event] = []
        for kind in HISTORY_KINDS:
            page_id: str | None = None
            for _ in range(HISTORY_PAGES):
                raw = await self._search(conversation_id, kind, PAGE_LIMIT, page_id, "TIMESTAMP")
                events, page_id = _events(raw)
                out += events
                if not page_id:
                    break
        return sorted(out, key=lambda e: e.timestamp)

    async def every_event(self, conversation_id: str, pages: int) -> tuple[list[Event], bool]:
        """Every event of any kind, oldest first, at most `pages` pages; and whether that was
        all of them (the repair of pushed events reads it)."""
        params: dict[str, Any] = {"sort_order": "TIMESTAMP", "limit": PAGE_LIMIT}
        path = self.events_path.format(id=segment(self.wire_id(conversation_id)))
        out: list[Event] = []
        for _ in range(pages):
            raw = await self.rest.get_json(path, params, conditional=False)
            events, page = _events(raw)
            out += events
            if not page:
                return out, True
            params["page_id"] = page
        return out, False

    async def recent(self, conversation_id: str, n: int) -> list[Event] | None:
        """The newest `n` events, oldest first."""
        params: dict[str, Any] = {"sort_order": "TIMESTAMP_DESC", "limit": min(n, PAGE_LIMIT)}
        path = self.events_path.format(id=segment(self.wire_id(conversation_id)))
        raw = await self.rest.get_json(path, params, conditional=False)
        return list(reversed(_events(raw)[0]))


class V1AppSource(PagedSource):
    """OpenHands app server V1 (`/api/v1`, openhands-ai >= 1.0). Its search filters on
    `updated_at`, which moves when the server records an execution status, new statistics
    or a lifecycle post from the agent server (docs/protocol.md "What moves updated_at")."""

    kind = ServerKind.V1
    search_path = "api/v1/app-conversations/search"
    count_path = "api/v1/app-conversations/count"
    batch_path = "api/v1/app-conversations"
    events_path = "api/v1/conversation/{id}/events/search"  # singular "conversation"
    kind_param = "kind__eq"
    model = AppConversation

    async def changed_since(
        self, since: datetime, pages: int
    ) -> tuple[list[AnyConversation], int, bool]:
        """The conversations whose `updated_at` is at or after `since`, at most `pages` pages;
        the rejected count, and whether more were left (then a full listing is due)."""
        params: dict[str, Any] = {"limit": PAGE_LIMIT, "updated_at__gte": since.isoformat()}
        found: list[AnyConversation] = []
        rejected = 0
        for _ in range(pages):
            raw = await self.rest.get_json(self.search_path, params, conditional=False)
            items, page, bad = _page(raw, self.model)
            found += items
            rejected += bad
            if not page:
                return found, rejected, False
            params["page_id"] = page
        return found, rejected, True


class AgentSource(PagedSource):
    """An agent server (inside a sandbox, or run alone)."""

    kind = ServerKind.AGENT
    search_path = "api/conversations/search"
    count_path = "api/conversations/count"
    batch_path = "api/conversations"
    events_path = "api/conversations/{id}/events/search"
    kind_param = "kind"
    model = AgentConversation

    def wire_id(self, conversation_id: str) -> str:
        return dashed(conversation_id)


class V0AppSource:
    """OpenHands app server V0 (openhands-ai <= 1.6): no batch endpoint, one GET per id."""

    kind = ServerKind.V0
    concurrency = 4

    def __init__(self, rest: RestClient, only_v0: bool = False) -> None:
        self.rest = rest
        # On a server that also serves V1, its V0 listing repeats every V1 conversation in the
        # V0 shape: those are read over V1 and skipped here.
        self.only_v0 = only_v0

    async def list_page(
        self, page_id: str | None, limit: int = PAGE_LIMIT
    ) -> tuple[list[AnyConversation], str | None, int]:
        params: dict[str, Any] = {"limit": limit}
        if page_id:
            params["page_id"] = page_id
        raw = await self.rest.get_json("api/conversations", params, False)
        items, nxt, rejected = _page(raw, V0Conversation, v0=True)
        if self.only_v0:
            items = [i for i in items if getattr(i, "conversation_version", None) != "V1"]
        return items, nxt, rejected

    async def count(self) -> int | None:
        """V0 has no count endpoint."""
        return None

    async def fetch(self, ids: Sequence[str]) -> Fetched:
        """One GET per id. A conversation the server refuses (404, a 400 for its id) is that
        conversation's problem, not the server's: it is gone, or reported, and the rest go on."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(cid: str) -> tuple[str, Any]:
            async with gate:
                try:
                    return cid, await self.rest.get_json(f"api/conversations/{segment(cid)}")
                except ApiError as exc:
                    if exc.kind is ErrorKind.NOT_FOUND:
                        return cid, None
                    if exc.kind is ErrorKind.CLIENT and exc.status in (400, 410, 422):
                        return cid, exc
                    raise

        out = Fetched({})
        for cid, raw in await asyncio.gather(*(one(i) for i in ids)):
            if isinstance(raw, ApiError):
                out.refused[cid] = raw.message
                continue
            if raw is None:  # V0 answers 200 with a null body (or 404) for an unknown id
                out.found[cid] = None
                continue
            items, rejected = validate_items([raw], V0Conversation)
            out.rejected += rejected
            if items and items[0] is not None:
                out.found[cid] = items[0]
        return out

    async def details(self, conversation_id: str, want_error: bool) -> Details:
        raw = await self.rest.get_json(
            f"api/conversations/{segment(conversation_id)}/events",
            {"reverse": "true", "limit": PAGE_LIMIT},
            conditional=False,
        )
        events = raw.get("events") if isinstance(raw, dict) else None
        for e in events if isinstance(events, list) else []:
            extras = e.get("extras") if isinstance(e, dict) else None
            if e.get("observation") == "task_tracking" and isinstance(extras, dict):
                items = extras.get("task_list")
                if isinstance(items, list):
                    return Details(
                        tasks=[validate(TaskItem, i) for i in items if isinstance(i, dict)]
                    )
        return Details()

    async def history(self, conversation_id: str) -> list[Event] | None:
        """V0's events (newest 100), as the SDK-style models: agent states and errors."""
        return await self.recent(conversation_id, PAGE_LIMIT)

    async def recent(self, conversation_id: str, n: int) -> list[Event] | None:
        """The newest `n` V0 events, oldest first."""
        raw = await self.rest.get_json(
            f"api/conversations/{segment(conversation_id)}/events",
            {"reverse": "true", "limit": min(n, PAGE_LIMIT)},
            conditional=False,
        )
        events = raw.get("events") if isinstance(raw, dict) else None
        out = []
        for item in events if isinstance(events, list) else []:
            with contextlib.suppress(PayloadError):
                out.append(parse_v0_event(item))
        return list(reversed([e for e in out if e is not None]))


class DualSource:
    """An app server with both APIs (openhands-ai 1.0 to 1.6): V1 conversations over V1,
    conversations that exist only in V0 over V0. Each conversation is read by its own kind."""

    kind = ServerKind.V1

    def __init__(self, v1: V1AppSource, v0: V0AppSource) -> None:
        self.rest = v1.rest
        self.v1 = v1
        self.v0 = v0
        self._v0_ids: set[str] = set()

    async def list_page(
        self, page_id: str | None, limit: int = PAGE_LIMIT
    ) -> tuple[list[AnyConversation], str | None, int]:
        """V1's pages, then V0's; cursors are tagged with the API they belong to."""
        api, _, cursor = (page_id or "v1:").partition(":")
        if api == "v1":
            items, nxt, rejected = await self.v1.list_page(cursor or None, limit)
            return items, f"v1:{nxt}" if nxt else "v0:", rejected
        items, nxt, rejected = await self.v0.list_page(cursor or None, limit)
        self._v0_ids.update(conversation_id(i) for i in items)
        return items, f"v0:{nxt}" if nxt else None, rejected

    async def count(self) -> int | None:
        """Only V1 can count; V0-only conversations are found by the full listing."""
        return await self.v1.count()

    async def fetch(self, ids: Sequence[str]) -> Fetched:
        v0 = [i for i in ids if i in self._v0_ids]
        v1 = [i for i in ids if i not in self._v0_ids]
        out = await self.v1.fetch(v1) if v1 else Fetched({})
        if v0:
            more = await self.v0.fetch(v0)
            out.found.update(more.found)
            out.refused.update(more.refused)
            out.rejected += more.rejected
        return out

    def _source(self, conversation_id: str) -> V1AppSource | V0AppSource:
        return self.v0 if conversation_id in self._v0_ids else self.v1

    async def details(self, conversation_id: str, want_error: bool) -> Details:
        return await self._source(conversation_id).details(conversation_id, want_error)

    async def history(self, conversation_id: str) -> list[Event] | None:
        return await self._source(conversation_id).history(conversation_id)

    async def recent(self, conversation_id: str, n: int) -> list[Event] | None:
        return await self._source(conversation_id).recent(conversation_id, n)
