"""`ohtop exporter`: the Fleet's metrics for Prometheus at /metrics, and /healthz.

Safe by default: it binds loopback; another address needs `--allow-remote`, and then every
scrape must carry `Authorization: Bearer $OHTOP_METRICS_TOKEN`. The dashboard serves the same
with `--metrics HOST:PORT` (`tui.fleet.metrics_server`, shared by both).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TextIO

from tui.fleet.metrics_server import MetricsServer
from tui.session import open_fleet
from tui.session.codes import EXIT_OK
from tui.settings import Settings, UsageError
from tui.settings.listen import Listen, check_bind, parse_listen
from tui.settings.shard import Shard

DEFAULT_LISTEN = "127.0.0.1:9464"
TOKEN_ENV = "OHTOP_METRICS_TOKEN"


def shard_of_args(ordinal: int, total: int) -> Shard:
    """The shard the options name, or a usage error saying what is wrong."""
    try:
        return Shard(ordinal, total)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def metrics_listen(spec: str, allow_remote: bool, env: dict[str, str] | None = None) -> Listen:
    """Where to serve metrics, with the token a non-loopback address requires."""
    host, port = parse_listen(spec, "--listen")
    check_bind(host, port, allow_remote, "metrics on", "--allow-remote")
    token = (env if env is not None else dict(os.environ)).get(TOKEN_ENV) or None
    listen = Listen(host, port, token)
    if not listen.loopback and token is None:
        raise UsageError(
            f"metrics on {host}:{port}: set {TOKEN_ENV}; "
            "every scrape must send it as a bearer token"
        )
    return listen


async def exporter_command(
    settings: Settings,
    listen: Listen,
    conversation_info: int = 0,
    out: TextIO | None = None,
    ready: asyncio.Event | None = None,
    shard: Shard | None = None,
) -> int:
    """Watch the servers (of one shard) and serve their metrics until interrupted."""
    out = out or sys.stdout
    shard = shard or Shard()
    if shard.total > 1:
        mine = shard.mine(settings.servers)
        sys.stderr.write(
            f"ohtop: shard {shard.ordinal} of {shard.total} (0-based): "
            f"{len(mine)} of {len(settings.servers)} servers\n"
        )
        settings = settings.with_servers(mine)
    async with open_fleet(settings) as fleet:
        server = MetricsServer(fleet, listen, conversation_info, (shard.ordinal, shard.total))
        try:
            url = await server.start()
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {listen.host}:{listen.port}: {exc.strerror}"
            ) from exc
        out.write(f"{url}\n")
        out.flush()
        if not listen.loopback:
            sys.stderr.write(
                f"ohtop: metrics are reachable from other machines at {url}; "
                f"scrapes must send the bearer token from {TOKEN_ENV}\n"
            )
        if ready is not None:
            ready.set()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()
    return EXIT_OK
