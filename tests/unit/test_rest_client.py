"""The REST client: auth headers, conditional GETs, error classification, redirects."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tui.client.config import ServerConfig
from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient, retry_after_seconds

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, **config: Any) -> RestClient:
    return RestClient(
        ServerConfig("http://srv.test/prefix", **config), httpx.MockTransport(handler)
    )


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers)


async def test_auth_headers_and_path_prefix() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json({"ok": True})

    rest = client(handler, api_key="k1", session_api_key="k2", cookie="keycloak_auth=jwt")
    assert await rest.get_json("api/v1/app-conversations/count") == {"ok": True}
    req = seen[0]
    assert req.url.path == "/prefix/api/v1/app-conversations/count"
    assert req.headers["Authorization"] == "Bearer k1"
    assert req.headers["X-Session-API-Key"] == "k2"
    assert req.headers["Cookie"] == "keycloak_auth=jwt"
    assert "gzip" in req.headers["Accept-Encoding"]
    assert "k1" not in repr(rest.config) and "k2" not in repr(rest.config)


async def test_etag_conditional_get_returns_cached_body_on_304() -> None:
    sent: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return _json(
            [1, 2, 3], headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 00:00:00 GMT"}
        )

    rest = client(handler)
    assert await rest.get_json("x", {"ids": "a"}) == [1, 2, 3]
    assert await rest.get_json("x", {"ids": "a"}) == [1, 2, 3]
    assert "if-none-match" not in sent[0]
    assert sent[1]["if-none-match"] == '"v1"'
    assert sent[1]["if-modified-since"] == "Mon, 23 Nov 2026 00:00:00 GMT"
    assert rest.not_modified == 1


async def test_gzip_bodies_are_decoded() -> None:
    import gzip

    body = gzip.compress(json.dumps({"items": []}).encode())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    assert await client(handler).get_json("x") == {"items": []}


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (
            httpx.Response(
                200,
                text="<!doctype html><html>OpenHands</html>",
                headers={"Content-Type": "text/html"},
            ),
            ErrorKind.NOT_API,
        ),
        (
            httpx.Response(
                200, content=b'{"items": [', headers={"Content-Type": "application/json"}
            ),
            ErrorKind.BAD_PAYLOAD,
        ),
        (_json({"detail": "Unauthorized"}, 401), ErrorKind.AUTH),
        (_json({"error": "email not verified"}, 403), ErrorKind.AUTH),
        (_json({"detail": "Not Found"}, 404), ErrorKind.NOT_FOUND),
        (_json({"detail": "bad id"}, 400), ErrorKind.CLIENT),
        (_json({"detail": []}, 422), ErrorKind.CLIENT),
        (_json({"detail": "boom"}, 500), ErrorKind.SERVER),
        (httpx.Response(502, text="Bad gateway"), ErrorKind.SERVER),
        (
            _json({"message": "Too many requests"}, 429, {"Retry-After": "1"}),
            ErrorKind.RATE_LIMITED,
        ),
    ],
)
async def test_errors_are_classified(response: httpx.Response, kind: ErrorKind) -> None:
    with pytest.raises(ApiError) as info:
        await client(lambda _: response).get_json("x")
    assert info.value.kind is kind
    assert "\n" not in info.value.message


async def test_auth_error_carries_the_servers_reason() -> None:
    with pytest.raises(ApiError) as info:
        await client(lambda _: _json({"error": "Token expired"}, 401)).get_json("x")
    assert info.value.fatal and "Token expired" in info.value.message


async def test_429_retry_after_is_read() -> None:
    with pytest.raises(ApiError) as info:
        await client(lambda _: _json({}, 429, {"Retry-After": "7"})).get_json("x")
    assert info.value.retry_after == 7.0


def test_retry_after_from_rate_limit_reset() -> None:
    headers = httpx.Headers({"X-RateLimit-Reset": "1030"})
    assert retry_after_seconds(headers, now=1000.0) == 30.0
    assert retry_after_seconds(httpx.Headers({}), now=0.0) is None


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx.ConnectTimeout("timed out"), "timed out"),
        (httpx.ReadTimeout("read timed out"), "timed out"),
        (httpx.RemoteProtocolError("peer closed connection"), "connection failed"),
    ],
)
async def test_network_failures_become_api_errors(exc: Exception, text: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(ApiError) as info:
        await client(handler).get_json("x")
    assert info.value.kind is ErrorKind.NETWORK and text in info.value.message


async def test_same_origin_redirect_is_followed_cross_origin_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/prefix/old":
            return httpx.Response(307, headers={"Location": "/prefix/new"})
        if request.url.path == "/prefix/new":
            return _json("moved")
        return httpx.Response(302, headers={"Location": "https://evil.test/steal"})

    rest = client(handler, session_api_key="secret")
    assert await rest.get_json("old") == "moved"
    with pytest.raises(ApiError) as info:
        await rest.get_json("other")
    assert "another origin" in info.value.message
