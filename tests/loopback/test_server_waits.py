"""Round-2 guarantees kept: a server's wait is honoured only when it is a wait (RFC 9110
delay-seconds or an HTTP date), a server that answers a byte a second while ohtop detects and
lists it shows the deadline, then the error; and a server-chosen id cannot move a report out of
the reports folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.helpers import FAST, serve, wait_for
from tui.client.config import ServerConfig
from tui.client.rest import MAX_RETRY_AFTER, retry_after_seconds
from tui.fleet.report import report_path
from tui.store.stores import Stores
from tui.store.websocket_store import LinkState
from tui.sync.monitor import ServerMonitor


@pytest.mark.parametrize("value", ["inf", "nan", "1e12", "-5", "3.5", "soon", "+10", "0x10"])
def test_a_retry_after_that_is_no_wait_is_ignored(value: str) -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": value})) is None


@pytest.mark.parametrize("value", ["99999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_valid_but_huge_wait_meets_the_ceiling(value: str) -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": value})) == MAX_RETRY_AFTER


def test_a_plain_wait_is_taken() -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7.0


async def test_a_dripping_listing_shows_its_deadline_then_the_error() -> None:
    async def count(_: web.Request) -> web.Response:
        return web.json_response(3)

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for byte in b'{"items": [], "next_page_id": null}' * 100:
            await response.write(bytes([byte]))
            await asyncio.sleep(1.0)
        return response

    app = web.Application()
    app.router.add_get("/api/v1/app-conversations/count", count)
    app.router.add_get("/api/v1/app-conversations/search", drip)
    async with serve(app) as url:
        stores = Stores()
        monitor = ServerMonitor(ServerConfig(url, name="drip"), stores, FAST)
        monitor.rest.deadline = 2.0
        said: list[str] = []
        stores.links.changed.subscribe(lambda name: said.append(stores.links.get(name).detail))
        task = asyncio.ensure_future(monitor.run())
        try:
            link = monitor.link
            await wait_for(lambda: stores.links.get(link).state is LinkState.RECONNECTING, 15)
            assert "no full answer within 2s" in (stores.links.get(link).last_error or "")
            waiting = [d for d in said if "listing" in d or "detecting" in d]
            assert waiting and all("gives up after 2s" in d for d in waiting), said
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.mark.parametrize("cid", ["/../../../..", "..", "a/b", "ab" * 16, "", "\u202e..\\x"])
def test_a_report_file_name_from_server_data_stays_in_the_reports_folder(
    cid: str, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    path = report_path(folder, cid, "20261207-120000")
    assert path.parent == folder and path.name.startswith("ohtop-")
    assert "/" not in path.name and ".." not in path.name.removesuffix(".md")
