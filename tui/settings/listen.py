"""Where a server of ohtop's listens, and whether that is safe: loopback by default; any other
address must be asked for explicitly, and then comes with a token. Shared by the metrics
exporter and the browser mode."""

from __future__ import annotations

import os
from pathlib import Path

from tui.fleet.listen import Listen, is_loopback, loopback_host
from tui.settings import UsageError

__all__ = [
    "Listen",
    "check_bind",
    "is_loopback",
    "loopback_host",
    "parse_listen",
    "webhooks_listen",
]
WEBHOOKS_SECRET_ENV = "OHTOP_WEBHOOKS_SECRET"


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


def webhooks_listen(
    spec: str, secret_file: str | None, env: dict[str, str] | None = None
) -> Listen:
    """Where to receive agent servers' webhooks (`[HOST:]PORT`, loopback unless a host is
    given), with the shared secret every request must carry; a UsageError without one."""
    host, port = parse_listen(spec if ":" in spec else f"127.0.0.1:{spec}", "--webhooks")
    if secret_file:
        try:
            secret = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--webhooks-secret-file {secret_file}: {exc.strerror}") from exc
    else:
        secret = (env if env is not None else dict(os.environ)).get(WEBHOOKS_SECRET_ENV, "")
    if len(secret) < 16:
        raise UsageError(
            f"--webhooks: set {WEBHOOKS_SECRET_ENV} (or --webhooks-secret-file) to a secret of "
            "16 characters or more; agent servers send it as X-Ohtop-Secret"
        )
    return Listen(host, port, secret)
