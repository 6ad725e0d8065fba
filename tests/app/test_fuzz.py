"""Property tests: random and mutated REST bodies and websocket frames go through
parse -> store -> view without an exception escaping; rejected items are counted."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import AGENT, APP, captured, frames, load
from tui.client.sources import _batch, _page
from tui.client.stream import Incoming
from tui.protocol.base import PayloadError
from tui.protocol.conversations import AgentConversation, AppConversation, V0Conversation
from tui.protocol.events import parse_event
from tui.protocol.session import parse_envelope
from tui.protocol.status import ServerKind
from tui.protocol.v0_events import parse_v0_event
from tui.store.mapping import from_any
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.sync.ingest import EventSink
from tui.text.events import event_line
from tui.ui.widgets.columns import COLUMNS
from tui.ui.widgets.detail_pane import DetailPane

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
EVENTS = [load(p) for p in captured(AGENT, "event_*.json", 20)] + frames(
    AGENT / "ws_events_finish.jsonl"
)[:20]
CONVERSATIONS = load(APP / "app_conversations_search_GET.json")["items"] + [
    load(AGENT / "conversation_GET_finish_finished.json")
]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, seeds: list[dict[str, Any]]) -> dict[str, Any]:
    """A real payload with some fields replaced, removed or added."""
    base = dict(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["replace", "drop", "add"]))
        if op == "add" or not base:
            base[draw(st.text(max_size=10))] = draw(JSON)
        elif op == "drop":
            base.pop(draw(st.sampled_from(sorted(base))))
        else:
            base[draw(st.sampled_from(sorted(base)))] = draw(JSON)
    return base


def _render(view: ConversationView) -> None:
    for column in COLUMNS:
        column.cell(view, 0.0)
    DetailPane.compose_view(view)


def _view_for(stores: Stores) -> tuple[str, str]:
    view = ConversationView(
        server="s",
        id="c" * 32,
        kind=ServerKind.V1,
        status="RUNNING",
        execution_status="running",
        sandbox_status="RUNNING",
    )
    stores.status.upsert(view)
    return view.key


@FUZZ
@given(st.one_of(mutated(EVENTS), JSON))
def test_frames_never_escape_an_exception(data: Any) -> None:
    stores = Stores()
    key = _view_for(stores)
    sink = EventSink(stores)
    for parse in (parse_event, parse_v0_event):
        try:
            event = parse(data)
        except PayloadError:
            continue  # counted by the stream as rejected
        sink.ingest(key, Incoming(event))
        event_line(event)
    with contextlib.suppress(PayloadError):
        parse_envelope({"type": "durable", "seq": 1, "event": data})
    _render(stores.status.get(key))  # type: ignore[arg-type]


@FUZZ
@given(st.lists(st.one_of(mutated(CONVERSATIONS), JSON), max_size=6))
def test_rest_bodies_are_read_item_by_item(items: list[Any]) -> None:
    stores = Stores()
    total = 0
    for model in (AppConversation, AgentConversation, V0Conversation):
        page, _, rejected = _page({"items": items, "next_page_id": None}, model)
        total += rejected
        assert len(page) + rejected <= len(items)
        stores.errors.count_rejected("s", rejected, "items")
        for item in page:
            view = from_any("s", item)
            stores.status.upsert(view)
            _render(view)
        fetched = _batch(items, [f"{i:032x}" for i in range(len(items))], model)
        assert fetched.rejected == rejected
    # Every rejected item of every model was counted once, no more, no less.
    assert stores.errors.rejected == total


@FUZZ
@given(JSON)
def test_json_roundtrip_of_any_body_does_not_break_the_page_reader(body: Any) -> None:
    try:
        _page(body, AppConversation)
    except Exception as exc:  # only the client's own error type may come out
        assert type(exc).__name__ == "ApiError", exc
    json.dumps(body, default=str)


async def test_the_rejected_count_is_visible_in_the_connection_panel() -> None:
    from tui.settings import Settings
    from tui.ui.app import OhtopApp
    from tui.ui.widgets.connection_panel import ConnectionPanel

    stores = Stores()
    stores.links.set("server s", detail="agent server")
    stores.errors.count_rejected("s", 3, "conversations")
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one(ConnectionPanel).render())
    assert "3 payload item(s) rejected (wrong shape)" in text
