"""Response helpers shared by the demo routes: JSON with ETag/304 and gzip, errors, paging."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

GZIP_MIN_BYTES = 1024
T = TypeVar("T")


def json_response(request: web.Request, data: Any, status: int = 200) -> web.StreamResponse:
    """JSON body with a strong ETag; answers 304 to a matching If-None-Match; gzip when asked."""
    body = json.dumps(data, separators=(",", ":")).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    if status == 200 and request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    response = web.Response(
        body=body, status=status, content_type="application/json", headers={"ETag": etag}
    )
    if len(body) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.enable_compression(web.ContentCoding.gzip)
    return response


def error(request: web.Request, status: int, detail: str) -> web.StreamResponse:
    """An error body in the FastAPI style the real servers use."""
    return json_response(request, {"detail": detail}, status)


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter, clamped; a malformed one raises a 422."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"detail": f"{name} must be an integer"}),
            content_type="application/json",
        ) from exc
    return max(low, min(high, value))


def paged(
    request: web.Request,
    items: Sequence[T],
    default_limit: int = 100,
    shape: Callable[[T], Any] | None = None,
) -> dict[str, Any]:
    """Offset paging as the SQL services do it: `next_page_id = str(offset + limit)`. Only the
    page's items are shaped, so a page costs the same however long the list is."""
    limit = int_param(request, "limit", default_limit, 1, 100)
    offset = int_param(request, "page_id", 0, 0, 10**9)
    window = items[offset : offset + limit]
    more = len(items) > offset + limit
    page = [shape(i) for i in window] if shape is not None else list(window)
    return {"items": page, "next_page_id": str(offset + limit) if more else None}
