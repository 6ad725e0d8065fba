"""Which kind of OpenHands server answers at a URL, decided by probing JSON endpoints."""

from __future__ import annotations

from typing import Any

from tui.client.config import ServerConfig
from tui.client.errors import ApiError, ErrorKind
from tui.client.rest import RestClient
from tui.client.sources import (
    AgentSource,
    ConversationSource,
    DualSource,
    V0AppSource,
    V1AppSource,
)

VERSION_DEADLINE = 5.0


async def _probe(rest: RestClient, path: str, params: dict[str, Any] | None = None) -> Any:
    """GET `path`; None when the endpoint is not there (404, or not JSON: an SPA fallback)."""
    try:
        return await rest.get_json(path, params, conditional=False)
    except ApiError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.NOT_API, ErrorKind.CLIENT):
            return None
        raise


def _v0_page(page: Any) -> bool:
    return isinstance(page, dict) and isinstance(page.get("results"), list)


async def detect(rest: RestClient) -> ConversationSource:
    """Probe V1 app server, then agent server, then V0 app server.

    An app server that answers both V1 and V0 (openhands-ai 1.0 to 1.6) is watched through
    both. Auth and network failures propagate (they say something about the server); a server
    where no probe answers JSON of the right shape raises NOT_API.
    """
    count = await _probe(rest, "api/v1/app-conversations/count")
    if isinstance(count, int) and not isinstance(count, bool):
        v1 = V1AppSource(rest)
        if _v0_page(await _probe(rest, "api/conversations", {"limit": 1})):
            return DualSource(v1, V0AppSource(rest, only_v0=True))
        return v1
    page = await _probe(rest, "api/conversations/search", {"limit": 1})
    if isinstance(page, dict) and isinstance(page.get("items"), list):
        return AgentSource(rest)
    if _v0_page(await _probe(rest, "api/conversations", {"limit": 1})):
        return V0AppSource(rest)
    raise ApiError(
        ErrorKind.NOT_API,
        f"{rest.config.url} does not answer like an OpenHands app server or agent server",
    )


async def agent_version(base_url: str, verify_tls: bool = True) -> str | None:
    """The version an agent server reports at `/server_info` (no auth), or None."""
    rest = RestClient(ServerConfig(base_url, verify_tls=verify_tls))
    try:
        return await server_version(rest)
    finally:
        await rest.aclose()


async def server_version(rest: RestClient) -> str | None:
    """`/server_info` version when the server offers one (no auth needed); None otherwise."""
    try:  # nice to have: a server slow to say it must not hold its detection
        info = await rest.get_json("server_info", conditional=False, deadline=VERSION_DEADLINE)
    except ApiError:
        return None
    version = info.get("version") if isinstance(info, dict) else None
    return str(version) if version else None
