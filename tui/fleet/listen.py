"""Where a server of ohtop's listens (the metrics endpoint, the browser mode), and the rules for
loopback names and Host headers. Parsing and checking what a person typed is
`tui.settings.listen`'s."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Listen:
    """A host and port to bind."""

    host: str
    port: int
    token: str | None = field(default=None, repr=False)  # required of every client when set

    @property
    def loopback(self) -> bool:
        """Reachable from this machine only."""
        return is_loopback(self.host)

    @property
    def url_host(self) -> str:
        """The host as it goes in a URL (IPv6 in brackets)."""
        return f"[{self.host}]" if ":" in self.host else self.host


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_host(header: str) -> bool:
    """True when an HTTP Host header names this machine (`localhost`, `127.0.0.1:9464`,
    `[::1]:9464`); anything else (a rebound name, nothing) is False."""
    text = header.strip().lower()
    if text.startswith("["):
        host = text[1 : text.find("]")] if "]" in text else ""
    else:
        host = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return bool(host) and is_loopback(host.removesuffix("."))
