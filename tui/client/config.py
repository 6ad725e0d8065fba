"""How to reach one server."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tui.client import secrets
from tui.client.budget import DEFAULT_RATE


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """A server to watch and the credentials for it (never shown, never logged)."""

    url: str
    name: str = ""
    api_key: str | None = field(default=None, repr=False)  # Authorization: Bearer
    session_api_key: str | None = field(default=None, repr=False)  # X-Session-API-Key
    cookie: str | None = field(default=None, repr=False)  # a raw Cookie header value
    verify_tls: bool = True
    rate: str = DEFAULT_RATE  # request budget: N/s, N/min, or a preset (hosted = 100/min)

    def __post_init__(self) -> None:
        secrets.remember(self.api_key, self.session_api_key, self.cookie)

    @property
    def label(self) -> str:
        """The name shown to people, and the server's key in the stores: the configured name,
        else host:port with any path (two servers behind one host stay apart)."""
        if self.name:
            return self.name
        try:
            parts = urlsplit(self.url)
        except ValueError:
            return self.url
        path = parts.path.rstrip("/")
        return f"{parts.netloc}{path}" if parts.netloc else self.url

    def auth_headers(self) -> dict[str, str]:
        """The headers that carry this server's credentials."""
        headers: dict[str, str] = {}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self.session_api_key:
            headers["X-Session-API-Key"] = self.session_api_key
        if self.cookie:
            headers["Cookie"] = self.cookie
        return headers
