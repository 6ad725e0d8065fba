"""The stores: merges, transitions, coalesced notifications, bounds and dedupe."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tests.helpers import ManualClock
from tests.helpers import view as _base
from tui.protocol.conversations import AppConversation
from tui.protocol.events import Event, TaskItem
from tui.protocol.status import ServerKind
from tui.store.error_store import ErrorStore
from tui.store.event_store import EventStore
from tui.store.mapping import from_v1
from tui.store.status_store import StatusStore, Transition
from tui.store.view import ConversationView, ErrorInfo, since_first_sight
from tui.store.websocket_store import LinkState, WebSocketStore

KEY = ("s", "c1")


def _view(
    status: str = "RUNNING", execution: str | None = "running", **kw: object
) -> ConversationView:
    return replace(_base("c1", status, execution, server="s"), **kw)  # type: ignore[arg-type]


def _get(store: StatusStore) -> ConversationView:
    got = store.get(KEY)
    assert got is not None
    return got


def test_upsert_notifies_once_per_batch(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    seen: list[frozenset[tuple[str, str]]] = []
    store.changed.subscribe(seen.append)
    with store.batch():
        store.upsert(_view())
        store.upsert(ConversationView(server="s", id="c2", kind=ServerKind.V1))
    assert seen == [frozenset({("s", "c1"), ("s", "c2")})]


def test_unchanged_snapshot_is_not_a_change(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    assert store.upsert(_view())
    clock.advance(5)
    assert not store.upsert(_view())
    assert store.version == 1


def test_any_field_a_snapshot_changes_alone_is_a_change(clock: ManualClock) -> None:
    """Unchanged snapshots are told apart without a copy; every field still counts."""
    changed: dict[str, Any] = {
        "title": "new title",
        "sandbox_status": "PAUSED",
        "repository": "acme/other",
        "cost": 2.5,
        "tokens": 99,
        "updated_at": datetime(2030, 1, 1, tzinfo=UTC),
        "tasks": (TaskItem(title="t"),),
        "last_error": ErrorInfo("E", "boom"),
        "web_url": "http://x/y",
    }
    for name, value in changed.items():
        store = StatusStore(wall=clock)
        store.upsert(_view())
        assert not store.upsert(_view()), "the same snapshot again is no change"
        assert store.upsert(_view(**{name: value})), name
        assert getattr(_get(store), name) == value


def test_rest_snapshot_keeps_event_fields(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    store.upsert(_view())
    tasks = (TaskItem(title="t", status="done"),)
    store.set_details(KEY, tasks=tasks, last_error=ErrorInfo("E", "d"))
    store.upsert(_view(title="renamed"))
    view = _get(store)
    assert view.title == "renamed"
    assert view.tasks == tasks and view.last_error == ErrorInfo("E", "d")


def test_transitions_and_time_in_state(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    got: list[Transition] = []
    store.transitions.subscribe(got.append)
    store.upsert(_view("STARTING", None))
    clock.advance(10)
    store.upsert(_view("RUNNING", "running"))
    since = _get(store).status_since
    assert since == clock.now and _get(store).since_exact  # seen changing: exact
    clock.advance(7)
    store.upsert(_view("RUNNING", "running", title="same state"))
    assert _get(store).status_since == since
    assert [(t.old_status, t.new_status) for t in got] == [
        (None, "STARTING"),
        ("STARTING", "RUNNING"),
    ]
    assert [t.new_execution for t in store.timeline(("s", "c1"))] == [None, "running"]


def test_first_sight_takes_time_in_state_from_the_servers_last_update() -> None:
    wall = ManualClock(1_800_000_000.0)
    store = StatusStore(wall=wall)
    updated = datetime.fromtimestamp(wall.now - 120, UTC)
    store.upsert(_view(updated_at=updated))
    view = _get(store)
    # At least that long: the state began by the server's last update (not "since ohtop saw it").
    assert view.status_since == wall.now - 120 and not view.since_exact
    assert view.in_state(wall.now) == 120


def test_a_change_seen_by_polling_takes_the_servers_time_of_it() -> None:
    wall = ManualClock(1_800_000_000.0)
    store = StatusStore(wall=wall)
    store.upsert(_view(updated_at=datetime.fromtimestamp(wall.now - 300, UTC)))
    wall.advance(30)  # the next poll: the server changed it 21 s ago
    changed_at = datetime.fromtimestamp(wall.now - 21, UTC)
    store.upsert(_view("ERROR", "error", updated_at=changed_at))
    view = _get(store)
    assert view.status_since == wall.now - 21 and view.since_exact
    assert store.timeline(KEY)[-1].at == wall.now - 21


def test_counts_by_status(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    store.upsert(_view())
    store.upsert(ConversationView(server="s", id="c2", kind=ServerKind.V1, status="ERROR"))
    assert store.counts() == {"RUNNING": 1, "ERROR": 1}


def test_counts_by_server_follow_every_change(clock: ManualClock) -> None:
    """Kept as views change (the minute sample reads them instead of walking every view):
    always what counting the views gives."""
    store = StatusStore(wall=clock)
    for n, (server, status) in enumerate([("a", "RUNNING"), ("a", "ERROR"), ("b", "RUNNING")]):
        store.upsert(ConversationView(server=server, id=f"c{n}", kind=ServerKind.V1, status=status))
    store.upsert(ConversationView(server="a", id="c0", kind=ServerKind.V1, status="STOPPED"))
    store.mark_gone(("b", "c2"))  # deleted on its server: in no count (issue 23)
    counted = Counter((v.server, v.status) for v in store if not v.deleted)
    assert store.counts_by_server() == counted
    assert counted == {("a", "STOPPED"): 1, ("a", "ERROR"): 1}


def test_a_failing_subscriber_does_not_break_the_store(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)

    def boom(_: object) -> None:
        raise RuntimeError("widget bug")

    store.changed.subscribe(boom)
    assert store.upsert(_view())
    assert len(store) == 1


def test_event_store_dedupes_by_id_and_is_bounded() -> None:
    store = EventStore(cap=3)
    key = ("s", "c1")
    for i in range(5):
        assert store.add(key, Event(kind="X", id=f"e{i}"))
    assert not store.add(key, Event(kind="X", id="e4"))  # replayed
    assert not store.add(key, Event(kind="X", id="e0"))  # older than the window, still known
    assert [e.id for e in store.events(key)] == ["e2", "e3", "e4"]
    assert store.total() == 3


def test_websocket_store_emits_on_change_only() -> None:
    store = WebSocketStore()
    names: list[str] = []
    store.changed.subscribe(names.append)
    store.set("server a", state=LinkState.CONNECTING)
    store.set("server a", state=LinkState.CONNECTING)
    store.set("server a", state=LinkState.CONNECTED, detail="agent server 1.58.2")
    assert names == ["server a", "server a"]
    assert store.totals()[LinkState.CONNECTED] == 1


def test_error_store_counts_and_bounds() -> None:
    store = ErrorStore(cap=2, wall=lambda: 1.0)
    store.add("a", "http", "one")
    store.add("b", "network", "two")
    store.count_rejected("a", 3, "conversations")
    store.count_rejected("a", 0, "conversations")
    assert [r.message for r in store.recent()] == [
        "3 conversations rejected: wrong shape, or past a page's cap",
        "two",
    ]
    assert store.counts == {"http": 1, "network": 1, "payload": 1}
    last = store.last_for("a")
    assert last is not None and last.kind == "payload"


def test_a_poll_answer_sent_before_a_live_state_does_not_undo_it() -> None:
    """A poll that went out before a live event came in answers with older news: the live
    execution status stays; a poll sent after it is the server's newer word."""
    store = StatusStore()
    store.upsert(_view("RUNNING", "running"))
    asked = time.monotonic()
    store.apply_state(KEY, "event", execution_status="finished")
    store.upsert(_view("RUNNING", "waiting_for_confirmation"), asked_at=asked)
    got = store.get(KEY)
    assert got is not None and got.execution_status == "finished"
    store.upsert(_view("RUNNING", "paused"), asked_at=time.monotonic())
    got = store.get(KEY)
    assert got is not None and got.execution_status == "paused"


def test_a_mapped_snapshot_seen_first_is_kept_as_it_is_and_time_in_state_still_holds() -> None:
    """A first listing brings thousands at once: a snapshot from `state.mapping` already says
    when its state began (its server's last update), so the store keeps it without a copy. A
    server clock ahead of ohtop's is still clamped to now, on a copy."""
    wall = ManualClock(1_800_000_000.0)
    store = StatusStore(wall=wall)
    updated = datetime.fromtimestamp(wall.now - 120, UTC)
    mapped = _view(updated_at=updated, status_since=since_first_sight(updated))
    store.upsert(mapped)
    assert _get(store) is mapped and _get(store).status_since == wall.now - 120
    assert [t.at for t in store.timeline(KEY)] == [wall.now - 120]
    ahead = datetime.fromtimestamp(wall.now + 600, UTC)
    other = replace(_view(updated_at=ahead, status_since=since_first_sight(ahead)), id="c2")
    store.upsert(other)
    kept = store.get(("s", "c2"))
    assert kept is not None and kept is not other and kept.status_since == wall.now
    assert other.status_since == wall.now + 600  # the caller's snapshot is left alone


def test_mapping_stamps_the_first_sight_time_from_the_servers_last_update() -> None:
    updated = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    app = AppConversation.model_validate(
        {"id": "a" * 32, "updated_at": updated.isoformat(), "created_at": updated.isoformat()}
    )
    assert from_v1("s", app).status_since == updated.timestamp()
    assert since_first_sight(None) is None


def test_history_read_before_first_sight_is_kept_in_the_timeline(clock: ManualClock) -> None:
    store = StatusStore(wall=clock)
    earlier = Transition(KEY, None, "RUNNING", None, "running", clock.now - 600, "history")
    store.add_history(KEY, [earlier])
    store.upsert(_view("ERROR", "error"))
    assert [t.new_status for t in store.timeline(KEY)] == ["RUNNING", "ERROR"]
