"""One httpx.AsyncClient per server: auth, timeouts, conditional GETs, error classification."""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic_core import from_json

from tui.client.budget import RequestBudget
from tui.client.config import ServerConfig
from tui.client.errors import ApiError, ErrorKind

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
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
            verify=config.verify_tls,
            follow_redirects=False,
            transport=transport,
        )
        self._cache: dict[str, _Cached] = {}
        self.budget = budget or RequestBudget(config.rate)
        self.requests_sent = 0
        self.not_modified = 0

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def url(self, path: str) -> str:
        """An absolute URL for a path below the server's base URL (keeps any path prefix)."""
        return urljoin(self._base, path.lstrip("/"))

    async def get_json(self, path: str, params: Params = None, conditional: bool = True) -> Any:
        """GET and decode JSON; a 304 answer returns the cached body."""
        request = self._http.build_request("GET", self.url(path), params=params)
        cache_key = str(request.url)
        cached = self._cache.get(cache_key) if conditional else None
        if cached is not None:
            if cached.etag:
                request.headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                request.headers["If-Modified-Since"] = cached.last_modified
        response = await self._send(request)
        if response.status_code == 304 and cached is not None:
            self.not_modified += 1
            return cached.data
        data = _decode(response)
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if conditional and (etag or modified):
            self._cache[cache_key] = _Cached(etag, modified, data)
        return data

    async def post_json(self, path: str, body: Any = None) -> Any:
        """POST a JSON body and decode the JSON answer."""
        request = self._http.build_request("POST", self.url(path), json=body)
        return _decode(await self._send(request))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            await self.budget.acquire()
            self.requests_sent += 1
            try:
                response = await self._http.send(request)
            except httpx.TimeoutException as exc:
                raise ApiError(ErrorKind.NETWORK, f"timed out ({type(exc).__name__})") from exc
            except httpx.ConnectError as exc:
                raise _connect_error(exc) from exc
            except httpx.HTTPError as exc:
                raise ApiError(ErrorKind.NETWORK, f"connection failed: {exc}") from exc
            if not response.has_redirect_location:
                _raise_for_status(response)
                return response
            request = self._redirected(request, response)
        raise ApiError(ErrorKind.CLIENT, f"too many redirects from {request.url.path}")

    def _redirected(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """Follow same-origin redirects only: credentials must not leak to another host."""
        target = urljoin(str(request.url), response.headers.get("Location", ""))
        old, new = urlsplit(str(request.url)), urlsplit(target)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc):
            raise ApiError(
                ErrorKind.CLIENT,
                f"redirected to another origin ({new.netloc}); not following with credentials",
                response.status_code,
            )
        return self._http.build_request(request.method, target, content=request.content)


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


def _reason(response: httpx.Response) -> str:
    """The server's own words for an error, kept short."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:200]
    if isinstance(body, str):
        return body[:200]
    return response.reason_phrase


def retry_after_seconds(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` (epoch)."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None


def _raise_for_status(response: httpx.Response) -> None:
    code = response.status_code
    if code < 400 or code == 304:
        return
    reason = _reason(response)
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


def _decode(response: httpx.Response) -> Any:
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
        return from_json(response.content)  # pydantic-core's reader: about 2x json.loads
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            ErrorKind.BAD_PAYLOAD, f"invalid JSON from {response.request.url.path}: {exc}"
        ) from exc
