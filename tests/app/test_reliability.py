"""Reliability round 2: a hostile or broken server cannot leak the key, crash ohtop, hang it or
flood it. One test (or more) per class; loopback servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import logging
import math
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from rich.cells import cell_len

from tests.helpers import FAST, Harness, RecordingTransport, drop, running, serve, view, wait_for
from tui.client import secrets
from tui.client.config import ServerConfig
from tui.client.errors import ApiError
from tui.client.rest import MAX_RETRY_AFTER, RestClient, retry_after_seconds
from tui.client.stream import CloseKind, Endpoint, EventStream, Incoming, StreamError, StreamTarget
from tui.headless.status import status_command
from tui.protocol.events import parse_event
from tui.protocol.session import SyncFrame
from tui.settings import Settings, logs
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.ingest import EventSink
from tui.sync.monitor import ServerMonitor
from tui.text.sanitize import clean
from tui.ui.app import OhtopApp
from tui.ui.widgets.conversation_table import ConversationTable

KEY = "sk-oh-super-secret-key-0001"


def _v1_app(
    items: Any, *, batch: Any = None, extra: dict[str, Any] | None = None
) -> web.Application:
    """A V1 app server answering with raw JSON text (so NaN and odd values reach ohtop)."""

    def raw(body: Any) -> web.Response:
        text = body if isinstance(body, str) else json.dumps(body)
        return web.Response(text=text, content_type="application/json")

    async def count(request: web.Request) -> web.StreamResponse:
        return raw(1)

    async def search(request: web.Request) -> web.StreamResponse:
        return raw(items if isinstance(items, str) else {"items": items, "next_page_id": None})

    async def ids(request: web.Request) -> web.StreamResponse:
        return raw(batch if batch is not None else [])

    app = web.Application()
    app.router.add_get("/api/v1/app-conversations/count", count)
    app.router.add_get("/api/v1/app-conversations/search", search)
    app.router.add_get("/api/v1/app-conversations", ids)
    for path, handler in (extra or {}).items():
        app.router.add_route("*", path, handler)
    return app


# -- secrets ------------------------------------------------------------------------------


async def test_the_key_never_follows_a_websocket_redirect_to_another_origin() -> None:
    seen: list[str] = []

    async def elsewhere(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("X-Session-API-Key", "(none)"))
        return web.Response(status=404)

    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", elsewhere)
    async with serve(other) as evil:

        async def redirect(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(f"{evil}{request.path}")

        front = web.Application()
        front.router.add_get("/sockets/{kind}/{cid}", redirect)
        async with serve(front) as url:
            stream = EventStream(StreamTarget(url, "ab" * 16, KEY), Endpoint.SESSION)
            with pytest.raises(StreamError) as info:
                await stream.connect()
    assert info.value.kind is CloseKind.REFUSED and "another origin" in info.value.message
    assert seen == []  # the other origin never heard from us, key or not


async def test_ids_from_a_server_are_one_encoded_path_segment_everywhere() -> None:
    evil = "../../../other-sandbox/api/conversations/x?steal=1#cut"
    items = [{"id": evil, "sandbox_status": "RUNNING", "execution_status": "error"}]
    async with serve(_v1_app(items, batch=items)) as url:
        recorder = RecordingTransport()
        stores = Stores()
        monitor = ServerMonitor(ServerConfig(url, name="s"), stores, FAST, transport=recorder)
        async with running(monitor):
            await wait_for(lambda: len(recorder.paths("/events/search")) >= 1)
        histories = recorder.paths("/events/search")
        for request in histories:
            path = request.url.raw_path.split(b"?")[0]
            # /api/v1/conversation/{id}/events/search: the id stays one segment, encoded
            assert path.count(b"/") == 6 and b"/../" not in path and b"#" not in path, path
    from tui.client.requests import ACTIONS, Conversation, NotOffered, build
    from tui.protocol.status import ServerKind

    built = 0
    for kind in ServerKind:
        for action in ACTIONS:
            target = Conversation(evil, kind, f"{url}/api/conversations/x", evil, "k")
            try:
                built_request = build(action, target, policy="AlwaysConfirm")
            except NotOffered:
                continue
            built += 1
            assert "../" not in built_request.path and "?" not in built_request.path
            assert "#" not in built_request.path
    assert built >= 2 * len(ACTIONS)


async def test_keys_a_server_echoes_back_are_redacted_everywhere(tmp_path: Path) -> None:
    async def echo(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("X-Session-API-Key", "")
        return web.json_response({"detail": f"bad key {key} for you"}, status=500)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    log_path = logs.setup("warning", tmp_path / "ohtop.log")
    async with serve(app) as url:
        config = ServerConfig(url, name="s", session_api_key=KEY)
        out, err = io.StringIO(), io.StringIO()
        assert await status_command(Settings(servers=(config,)), True, out, err) == 2
        assert KEY not in out.getvalue() + err.getvalue() and "‹redacted›" in err.getvalue()
        ohtop = OhtopApp(Settings(servers=(config,), intervals=FAST, max_streams=-1))
        async with ohtop.run_test(size=(120, 30)) as pilot:
            health = ohtop.screen.query_one("#health")
            await wait_for(lambda: "redacted" in str(health.render()))
            await pilot.press("L")
            await pilot.pause()
            errors = str(ohtop.screen.query_one("#errors").render())
            assert "‹redacted›" in errors and KEY not in errors
    for handler in logging.getLogger("tui").handlers:
        handler.flush()
    assert KEY not in log_path.read_text()


def test_redaction_finds_every_known_key_in_any_text() -> None:
    secrets.remember("another-secret-9876")
    assert secrets.redact(f"a {KEY[:6]} b") == f"a {KEY[:6]} b"  # a prefix alone is not the key
    secrets.remember(KEY)
    text = f"x{KEY}y another-secret-9876 z"
    assert secrets.redact(text) == "x‹redacted›y ‹redacted› z"


# -- no crash, no blanked server ----------------------------------------------------------

ODD_ITEMS = """{"items": [
  {"id": "01010101010101010101010101010101", "sandbox_status": "RUNNING",
   "execution_status": "running", "created_at": "0001-01-01T00:00:00",
   "updated_at": "9999-12-31T23:59:59Z", "title": "year one and 9999"},
  {"id": "02020202020202020202020202020202", "sandbox_status": "RUNNING",
   "execution_status": "running", "created_at": "2026-11-01T10:00:00",
   "updated_at": "2026-11-01T10:00:00+00:00", "title": "naive and aware",
   "metrics": {"accumulated_cost": NaN,
               "accumulated_token_usage": {"prompt_tokens": NaN, "completion_tokens": 1e400}}},
  {"id": "03030303030303030303030303030303", "sandbox_status": "RUNNING",
   "execution_status": "running", "conversation_url": "http://[::1/api/conversations/x",
   "title": "broken IPv6"},
  {"id": "04040404040404040404040404040404", "sandbox_status": "RUNNING",
   "execution_status": "running",
   "conversation_url": "http://127.0.0.1:99999/api/conversations/04040404040404040404040404040404",
   "title": "bad port"},
  {"id": "05050505050505050505050505050505", "sandbox_status": "PAUSED",
   "title": "deep", "tags": DEEP},
  {"id": "06060606060606060606060606060606", "sandbox_status": "PAUSED", "title": "plain"}
], "next_page_id": null}""".replace("DEEP", "[" * 5000 + "]" * 5000)


async def test_odd_values_are_dropped_per_field_and_nothing_crashes() -> None:
    async with serve(_v1_app(ODD_ITEMS)) as url:
        config = ServerConfig(url, name="odd")
        out, err = io.StringIO(), io.StringIO()
        assert await status_command(Settings(servers=(config,)), True, out, err) == 0
        rows = json.loads(out.getvalue())
        assert len(rows) == 6  # every item, the deep one included (its deep field cut)
        by_title = {r["title"]: r for r in rows}
        assert by_title["year one and 9999"]["created_at"] is None
        assert by_title["year one and 9999"]["updated_at"] is None
        odd = by_title["naive and aware"]
        assert odd["tokens"] == 0 and odd["cost"] == 0.0  # NaN and 1e400 are not numbers
        app = OhtopApp(Settings(servers=(config,), intervals=FAST, max_streams=5))
        async with app.run_test(size=(160, 45)) as pilot:
            table = app.screen.query_one(ConversationTable)
            await wait_for(lambda: len(table.rows) == 6)
            for _ in range(6):  # select each: the bad URLs get a stream worker each
                await pilot.press("j")
            await pilot.press("S", "U", "C", "I", "enter")
            await pilot.pause(0.3)
            assert app.is_running and app.return_code is None


async def test_a_malformed_redirect_location_and_a_deep_error_body_are_clear_errors() -> None:
    async def bad_location(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": "http:\\\\host\\x"})

    async def deep_error(request: web.Request) -> web.StreamResponse:
        body = '{"detail": ' + "[" * 100000 + "]" * 100000 + "}"
        return web.Response(status=500, text=body, content_type="application/json")

    for handler in (bad_location, deep_error):
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        async with serve(app) as url:
            err = io.StringIO()
            settings = Settings(servers=(ServerConfig(url, name="s"),))
            assert await status_command(settings, False, io.StringIO(), err) == 2
            assert "s: " in err.getvalue() and "Traceback" not in err.getvalue()


def test_an_event_stamped_in_year_9999_does_not_freeze_later_updates() -> None:
    stores = Stores()
    key = ("s", "ab" * 16)
    stores.status.upsert(view(key[1], server="s", sandbox_status="RUNNING"))
    sink = EventSink(stores)
    far = {"kind": "ConversationStateUpdateEvent", "key": "execution_status", "value": "paused"}
    sink.ingest(key, Incoming(parse_event({**far, "id": "e1", "timestamp": "9999-12-31T23:59:59"})))
    now = {**far, "value": "finished", "id": "e2", "timestamp": "2026-12-02T10:00:00"}
    sink.ingest(key, Incoming(parse_event(now)))
    got = stores.status.get(key)
    assert got is not None and got.execution_status == "finished"


async def test_an_unexpected_failure_in_a_monitor_is_shown_and_it_goes_on(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = ServerMonitor._cycle

    async def flaky(self: ServerMonitor) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyError("a bug")
        await real(self)

    monkeypatch.setattr(ServerMonitor, "_cycle", flaky)
    stores = Stores()
    monitor = ServerMonitor(ServerConfig(demo.url, name="demo"), stores, FAST)
    async with running(monitor):
        await wait_for(
            lambda: any("unexpected KeyError" in r.message for r in stores.errors.recent())
        )
        await wait_for(lambda: calls["n"] >= 4)
        await wait_for(lambda: stores.links.get(monitor.link).state is LinkState.CONNECTED)


# -- bounded in size and time -------------------------------------------------------------


async def test_a_gzip_bomb_and_an_endless_body_are_cut_at_the_cap() -> None:
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]")

    async def zipped(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return web.Response(body=bomb, headers=headers)

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        chunk = b" " * 65536
        while True:
            await response.write(chunk)

    app = web.Application()
    app.router.add_get("/bomb", zipped)
    app.router.add_get("/endless", endless)
    async with serve(app) as url:
        rest = RestClient(ServerConfig(url))
        rest.max_body = 4 * 1024 * 1024
        for path in ("bomb", "endless"):
            with pytest.raises(ApiError, match="larger than 4 MiB"):
                await rest.get_json(path)
        await rest.aclose()


async def test_a_server_answering_a_byte_a_second_hits_the_total_deadline() -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(60):
            await response.write(b" ")
            await asyncio.sleep(0.2)  # under httpx's read timeout, every time
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", trickle)
    async with serve(app) as url:
        stores = Stores()
        monitor = ServerMonitor(ServerConfig(url, name="slow"), stores, FAST)
        monitor.rest.deadline = 1.0
        async with running(monitor):
            await wait_for(lambda: stores.links.get(monitor.link).state is LinkState.RECONNECTING)
            assert "no full answer within 1s" in (stores.links.get(monitor.link).last_error or "")


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "inf"},
        {"Retry-After": "1e12"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"X-RateLimit-Reset": "99999999999999"},
        {"Retry-After": "nan"},
    ],
)
def test_a_server_given_wait_has_a_ceiling(headers: dict[str, str]) -> None:
    wait = retry_after_seconds(httpx.Headers(headers))
    assert wait is None or (0 <= wait <= MAX_RETRY_AFTER and not math.isinf(wait))


async def test_a_bogus_huge_seq_does_not_become_the_resume_cursor() -> None:
    state = {"kind": "ConversationStateUpdateEvent", "key": "execution_status", "timestamp": ""}

    def durable(seq: int, value: str) -> Incoming:
        return Incoming(parse_event({**state, "id": f"e{seq}", "value": value}), seq=seq)

    items = [
        SyncFrame(from_seq=-1, through_seq=10**18),  # claims endless history
        durable(0, "running"),
        durable(1, "running"),
        durable(10**18, "running"),  # bogus
        Incoming(
            parse_event({**state, "id": "snap", "value": "running", "key": "full_state"}),
            persisted=False,
        ),
        durable(2, "paused"),  # live, after the snapshot: must apply
    ]
    h = Harness([(items, drop(), None)])
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(lambda: len(h.script.calls) >= 2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert h.worker.cursor.seq == 2 and h.worker.implausible == 1
    assert h.script.calls[1]["after_seq"] == 2  # the reconnect resumes after what is real
    got = h.stores.status.get(("s", "c" * 32))
    assert got is not None and got.execution_status == "paused"


# -- floods -------------------------------------------------------------------------------


async def test_a_stream_that_floods_is_shed_and_the_loop_stays_served() -> None:
    state = {"kind": "MessageEvent", "timestamp": ""}
    many = [Incoming(parse_event({**state, "id": f"m{i}"})) for i in range(20_000)]
    h = Harness([(many, drop(), None)])
    ticks = {"n": 0}

    async def other_work() -> None:
        while True:
            ticks["n"] += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    task = asyncio.create_task(h.worker.run())
    try:
        await wait_for(lambda: h.state() is LinkState.RECONNECTING)
    finally:
        task.cancel()
        other.cancel()
        await asyncio.gather(task, other, return_exceptions=True)
    link = h.stores.links.get("stream s/c")
    assert "flooding" in (link.last_error or "")
    assert ticks["n"] >= 20  # the event loop served others while the flood came in


async def test_a_page_of_200000_conversations_is_capped_and_q_still_quits() -> None:
    rng = random.Random(3)
    huge = [
        {"id": f"{rng.getrandbits(128):032x}", "sandbox_status": "PAUSED"} for _ in range(200_000)
    ]
    async with serve(_v1_app(huge)) as url:
        app = OhtopApp(
            Settings(servers=(ServerConfig(url, name="big"),), intervals=FAST, max_streams=-1)
        )
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(lambda: len(app.stores.status) >= 1000, timeout=30)
            assert len(app.stores.status) <= 1000  # one page is read up to its cap
            assert app.stores.errors.rejected >= 199_000  # and the rest is counted, not hidden
            await pilot.press("q")
            await wait_for(lambda: not app.is_running, timeout=10)


# -- text that would still reach the terminal ----------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "pay\u202eloads\u202c here",  # bidi override
        "a\u2066b\u2069c",  # bidi isolate
        "line\u2028two\u2029three",
        "hangul\u3164filler\u115f\u1160",
        "emoji\ufe0f\U000e0041tag\u200dzwj",
    ],
)
def test_reordering_and_width_ambiguous_characters_are_neutralised(hostile: str) -> None:
    text = clean(hostile)
    bad = ["\u202e", "\u202c", "\u2066", "\u2069", "\u2028", "\u2029", "\u3164", "\u115f"]
    bad += ["\u1160", "\ufe0f", "\U000e0041", "\u200d"]
    assert not any(ch in text for ch in bad)
    assert cell_len(text) == len(text)  # one cell per character: the columns stay aligned
