"""Where a server of ohtop's listens, and whether that is safe: loopback by default; any other
address must be asked for explicitly, and then comes with a token. Shared by the metrics
exporter and the browser mode."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from tui.settings import UsageError


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


def parse_listen(spec: str, what: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:PORT`) -> (host, port); a UsageError says what is wrong."""
    host, sep, port_text = spec.rpartition(":")
    if not sep or not host:
        raise UsageError(f"{what} {spec!r}: use HOST:PORT, e.g. 127.0.0.1:9464")
    host = host.removeprefix("[").removesuffix("]")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise UsageError(f"{what} {spec!r}: the port must be a number from 0 to 65535")
    return host, int(port_text)


def check_bind(host: str, port: int, allow_remote: bool, what: str, flag: str) -> None:
    """A host other machines can reach must be asked for with `flag`."""
    if not is_loopback(host) and not allow_remote:
        raise UsageError(
            f"{what} {host}:{port} would be reachable from other machines; pass {flag} to mean it"
        )
