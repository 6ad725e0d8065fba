"""One httpx.AsyncClient per server: auth, bounds, conditional GETs, error classification.

Every request is bounded: a total deadline (httpx's read timeout is per chunk, so a server
answering a byte a second would never time out), a cap on the decoded body (a small gzip body
can inflate to gigabytes), and a ceiling on any wait a server asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic_core import from_json

from tui.client import secrets, tls
from tui.client.budget import RequestBudget
from tui.client.config import ServerConfig
from tui.client.errors import ApiError, ErrorKind
from tui.client.stats import RequestStats
from tui.protocol.jsondepth import clip_depth

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEADLINE = 30.0  # seconds for a whole request: connect, headers and body
MAX_BODY = 32 * 1024 * 1024  # decoded bytes; a page of 100 conversations is well under 1 MB
MAX_RETRY_AFTER = 300.0  # a server may ask for a pause, not for silence
LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=8)
MAX_REDIRECTS = 3

Params = dict[str, Any] | list[tuple[str, Any]] | None


@dataclass(slots=True)
class _Cached:
    etag: str | None
    last_modified: str | None
    data: Any


class RestClient:
    """JSON over HTTP for one server. Every failure becomes an `ApiError`."""

    def __init__(
        self,
        config: ServerConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.config = config
        self._base = config.url.rstrip("/") + "/"
        self._http = httpx.AsyncClient(
            timeout=TIMEOUT,
            limits=LIMITS,
            headers={"Accept": "application/json", **config.auth_headers()},
            verify=tls.context(config.verify_tls),
            follow_redirects=False,
            transport=transport,
        )
        self._cache: dict[str, _Cached] = {}
        self.budget = budget or RequestBudget(config.rate)
        self.stats = RequestStats()
        self.requests_sent = 0
        self.not_modified = 0
        self.deadline = DEADLINE
        self.max_body = MAX_BODY

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def url(self, path: str) -> str:
        """An absolute URL for a path below the server's base URL (keeps any path prefix)."""
        return urljoin(self._base, path.lstrip("/"))

    async def get_json(
        self,
        path: str,
        params: Params = None,
        conditional: bool = True,
        deadline: float | None = None,
    ) -> Any:
        """GET and decode JSON; a 304 answer returns the cached body. `deadline`: a shorter
        total deadline than the client's (for what is only nice to have)."""
        request = self._http.build_request("GET", self.url(path), params=params)
        cache_key = str(request.url)
        cached = self._cache.get(cache_key) if conditional else None
        if cached is not None:
            if cached.etag:
                request.headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                request.headers["If-Modified-Since"] = cached.last_modified
        response, body = await self._send(request, deadline)
        if response.status_code == 304 and cached is not None:
            self.not_modified += 1
            return cached.data
        data = _decode(response, body)
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if conditional and (etag or modified):
            self._cache[cache_key] = _Cached(etag, modified, data)
        return data

    async def post_json(self, path: str, body: Any = None) -> Any:
        """POST a JSON body and decode the JSON answer."""
        request = self._http.build_request("POST", self.url(path), json=body)
        response, raw = await self._send(request)
        return _decode(response, raw)

    async def _send(
        self, request: httpx.Request, deadline: float | None = None
    ) -> tuple[httpx.Response, bytes]:
        limit = min(self.deadline, deadline) if deadline is not None else self.deadline
        for _ in range(MAX_REDIRECTS + 1):
            await self.budget.acquire()
            self.requests_sent += 1
            started = time.monotonic()
            try:
                async with asyncio.timeout(limit):  # see ServerMonitor._idle
                    response, body = await self._exchange(request)
            except TimeoutError as exc:
                self.stats.record("timeout", time.monotonic() - started)
                raise ApiError(
                    ErrorKind.NETWORK, f"timed out (no full answer within {limit:g}s)"
                ) from exc
            except httpx.TimeoutException as exc:
                self.stats.record("timeout", time.monotonic() - started)
                raise ApiError(ErrorKind.NETWORK, f"timed out ({type(exc).__name__})") from exc
            except httpx.ConnectError as exc:
                self.stats.record("error", time.monotonic() - started)
                raise _connect_error(exc) from exc
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                self.stats.record("error", time.monotonic() - started)
                text = secrets.redact(str(exc))[:200]
                raise ApiError(ErrorKind.NETWORK, f"connection failed: {text}") from exc
            self.stats.record(str(response.status_code), time.monotonic() - started)
            if not response.has_redirect_location:
                _raise_for_status(response, body)
                return response, body
            request = self._redirected(request, response)
        raise ApiError(ErrorKind.CLIENT, f"too many redirects from {request.url.path}")

    async def _exchange(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """Send and read the body, refusing to hold more than `max_body` decoded bytes."""
        response = await self._http.send(request, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                raise _too_big(self.max_body)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_body:
                    raise _too_big(self.max_body)
                chunks.append(chunk)
            return response, b"".join(chunks)
        finally:
            await response.aclose()

    def _redirected(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """Follow same-origin redirects only: credentials must not leak to another host."""
        try:
            target = urljoin(str(request.url), response.headers.get("Location", ""))
            old, new = urlsplit(str(request.url)), urlsplit(target)
            same = (old.scheme, old.netloc) == (new.scheme, new.netloc)
        except ValueError as exc:  # e.g. "http:\\host" or a broken IPv6 literal
            raise ApiError(
                ErrorKind.CLIENT, "redirected to a malformed URL; not following", 0
            ) from exc
        if not same:
            raise ApiError(
                ErrorKind.CLIENT,
                f"redirected to another origin ({new.netloc}); not following with credentials",
                response.status_code,
            )
        try:
            return self._http.build_request(request.method, target, content=request.content)
        except (httpx.InvalidURL, ValueError) as exc:
            raise ApiError(
                ErrorKind.CLIENT, "redirected to a malformed URL; not following"
            ) from exc


def _too_big(limit: int) -> ApiError:
    return ApiError(
        ErrorKind.BAD_PAYLOAD, f"answer larger than {limit // (1024 * 1024)} MiB; not read"
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from (httpx wraps httpcore wraps OSError)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _connect_error(exc: httpx.ConnectError) -> ApiError:
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, ssl.SSLError) for e in chain) or "CERTIFICATE" in text.upper():
        return ApiError(ErrorKind.TLS, f"TLS failure: {exc}")
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service" in text.lower():
        return ApiError(ErrorKind.NETWORK, "DNS lookup failed: host name not found")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text.lower():
        return ApiError(ErrorKind.NETWORK, "connection refused")
    return ApiError(ErrorKind.NETWORK, f"cannot connect: {exc}")


def _reason(response: httpx.Response, raw: bytes) -> str:
    """The server's own words for an error, kept short, keys redacted."""
    return secrets.redact(_said(response, raw))[:200]


def _said(response: httpx.Response, raw: bytes) -> str:
    try:
        body = from_json(raw[:65536]) if raw else None
    except (ValueError, RecursionError):
        return response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:400]
    if isinstance(body, str):
        return body[:400]
    return response.reason_phrase


def retry_after_seconds(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (delay-seconds or an HTTP date, RFC 9110) or
    `X-RateLimit-Reset` (epoch seconds). A value that is neither (`inf`, `nan`, `1e12`, `-5`)
    is ignored and the usual backoff applies; a valid but huge one meets the ceiling."""
    now = time.time() if now is None else now
    value = (headers.get("Retry-After") or "").strip()
    if value:
        if value.isascii() and value.isdigit():
            return _bounded(float(value))
        with contextlib.suppress(TypeError, ValueError, OverflowError, IndexError):
            return _bounded(parsedate_to_datetime(value).timestamp() - now)
        return None
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset and re.fullmatch(r"\d{1,12}(\.\d+)?", reset):
        return _bounded(float(reset) - now)
    return None


def _bounded(seconds: float) -> float | None:
    """A server-given wait between 0 and MAX_RETRY_AFTER (NaN: none given)."""
    if math.isnan(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def _raise_for_status(response: httpx.Response, raw: bytes) -> None:
    code = response.status_code
    if code < 400 or code == 304:
        return
    reason = _reason(response, raw)
    if code in (401, 403):
        raise ApiError(ErrorKind.AUTH, f"HTTP {code}: {reason}", code)
    if code == 404:
        raise ApiError(ErrorKind.NOT_FOUND, f"HTTP 404: {reason}", code)
    if code == 429:
        wait = retry_after_seconds(response.headers)
        raise ApiError(ErrorKind.RATE_LIMITED, f"HTTP 429: {reason}", code, wait)
    if code >= 500:
        raise ApiError(ErrorKind.SERVER, f"HTTP {code}: {reason}", code)
    raise ApiError(ErrorKind.CLIENT, f"HTTP {code}: {reason}", code)


def _read(raw: bytes) -> Any:
    """pydantic-core's reader (about 2x json.loads); a document nested too deep for it is read
    again with the too-deep parts cut, so one such field does not sink the page."""
    try:
        return from_json(raw)
    except ValueError as exc:
        if "recursion limit" not in str(exc):
            raise
        return from_json(clip_depth(raw))


def _decode(response: httpx.Response, raw: bytes) -> Any:
    """Insist on JSON: a web UI answering any path with index.html must not pass for an API."""
    ctype = response.headers.get("Content-Type", "")
    if "json" not in ctype.lower():
        shown = ctype.split(";")[0] or "no content type"
        raise ApiError(
            ErrorKind.NOT_API,
            f"{response.request.url.path} answered {shown}, not JSON: not an OpenHands API here",
            response.status_code,
        )
    try:
        return _read(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        text = secrets.redact(str(exc))[:160]
        raise ApiError(
            ErrorKind.BAD_PAYLOAD, f"invalid JSON from {response.request.url.path}: {text}"
        ) from exc
