"""Command line: `ohtop` (the dashboard), `ohtop status`, `ohtop demo-server`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from tui import logs
from tui.actions import names
from tui.client.budget import parse_rate
from tui.client.config import ServerConfig
from tui.config import (
    Config,
    ConfigError,
    default_path,
    load,
    permission_warning,
    resolve_servers,
)
from tui.logs import LEVELS


def _rate(spec: str) -> str:
    try:
        parse_rate(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return spec


def _server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--server", action="append", default=[], metavar="URL", help="server to watch (repeat)"
    )
    p.add_argument(
        "--api-key",
        default=os.environ.get("OHTOP_API_KEY"),
        help="app-server API key, sent as Authorization: Bearer (env OHTOP_API_KEY)",
    )
    p.add_argument(
        "--session-api-key",
        default=os.environ.get("OHTOP_SESSION_API_KEY"),
        help="key sent as X-Session-API-Key (agent server; env OHTOP_SESSION_API_KEY)",
    )
    p.add_argument("--cookie", default=None, help="a Cookie header value (e.g. keycloak_auth=...)")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument(
        "--rate",
        default="8/s",
        type=_rate,
        help="request budget per server: N/s, N/min, or 'hosted' (100/min) (default 8/s)",
    )
    p.add_argument("--bell", action="store_true", help="ring the terminal bell on alerts")
    p.add_argument(
        "--log-level",
        choices=LEVELS,
        default="warning",
        help="log to a file in the state directory at this level (default warning)",
    )
    p.add_argument(
        "--allow-actions",
        action="store_true",
        help="allow pausing and resuming conversations (read-only without it)",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="config file (default: %(default)s)",
    )
    p.add_argument(
        "--demo", action="store_true", help="start the embedded demo server and watch it"
    )
    p.add_argument(
        "--max-streams",
        type=int,
        default=50,
        metavar="N",
        help="live websocket streams besides the selected one (default 50; -1 turns them off)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="ohtop", description="Watch many OpenHands conversations at once."
    )
    _server_options(parser)
    sub = parser.add_subparsers(dest="command")
    status = sub.add_parser("status", help="print every conversation once and exit")
    _server_options(status)
    status.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    watch = sub.add_parser("watch", help="print status transitions as JSON lines until interrupted")
    _server_options(watch)
    watch.add_argument("--jsonl", action="store_true", help="JSON lines (the only format)")
    wait = sub.add_parser(
        "wait",
        help="follow one conversation until it settles (exit 0 done, 1 error/stuck, "
        "2 unreachable/not found, 3 timeout)",
    )
    _server_options(wait)
    wait.add_argument("conversation", help="conversation id (hex, dashed, or a unique prefix)")
    wait.add_argument("--timeout", type=float, default=None, metavar="S")
    config = sub.add_parser("config", help="check the config file")
    config.add_argument("action", choices=["check"])
    config.add_argument("--config", type=Path, default=None, metavar="PATH")
    demo = sub.add_parser("demo-server", help="run the embedded demo server alone")
    demo.add_argument("--port", type=int, default=8765)
    demo.add_argument("--agent", action="store_true", help="act as one agent server at the root")
    demo.add_argument("--v0", action="store_true", help="act as a V0 app server (socket.io)")
    demo.add_argument("--api-key", default=None, help="require this bearer key")
    return parser


class UsageError(Exception):
    """Bad input from the command line or the config file, said in one line per problem."""


def load_config(args: argparse.Namespace) -> Config:
    """The config file named by --config, else the default one if it exists, else defaults."""
    path = args.config or default_path()
    if args.config is None and not path.exists():
        return Config()
    try:
        return load(path, names())
    except ConfigError as exc:
        raise UsageError("\n".join(f"{exc.path}: {p}" for p in exc.problems)) from exc


def servers_from(args: argparse.Namespace, config: Config) -> list[ServerConfig]:
    """--server URLs (with the command line's credentials), then the config's servers."""
    resolved, problems = resolve_servers(config)
    if problems:
        raise UsageError("\n".join(f"config: {p}" for p in problems))
    return configs_from(args) + resolved


def configs_from(args: argparse.Namespace) -> list[ServerConfig]:
    """One ServerConfig per --server, sharing the credentials given."""
    return [
        ServerConfig(
            url=url,
            api_key=args.api_key,
            session_api_key=args.session_api_key,
            cookie=args.cookie,
            verify_tls=not args.insecure,
            rate=args.rate,
        )
        for url in args.server
    ]


async def _status(args: argparse.Namespace) -> int:
    from tui.demo.server import DEMO_RATE, DemoServer
    from tui.headless import status_command

    configs = list(args.servers)
    demo = DemoServer() if args.demo else None
    if demo is not None:
        configs.append(ServerConfig(await demo.start(), name="demo", rate=DEMO_RATE))
    try:
        return await status_command(configs, args.json)
    finally:
        if demo is not None:
            await demo.stop()


async def _follow(args: argparse.Namespace) -> int:
    from tui.demo.server import DEMO_FLAKY_EVERY, DEMO_RATE, DemoServer
    from tui.follow import wait_command, watch_command

    configs = list(args.servers)
    demo = DemoServer(flaky_every=DEMO_FLAKY_EVERY) if args.demo else None
    if demo is not None:
        configs.append(ServerConfig(await demo.start(), name="demo", rate=DEMO_RATE))
    try:
        if args.command == "watch":
            return await watch_command(configs)
        return await wait_command(configs, args.conversation, args.timeout)
    finally:
        if demo is not None:
            await demo.stop()


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """Run a headless command; Ctrl+C ends it quietly."""
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def config_check(args: argparse.Namespace) -> int:
    """`ohtop config check`: say exactly what is wrong and where, or that all is well."""
    path = args.config or default_path()
    if not path.exists():
        print(f"ohtop: {path}: no such file (ohtop runs on defaults without one)")
        return 1
    try:
        config = load(path, names())
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"{exc.path}: {problem}")
        return 1
    _, problems = resolve_servers(config)
    for problem in problems:
        print(f"{path}: {problem}")
    if (warning := permission_warning(path)) is not None:
        print(f"warning: {warning}")
    if problems:
        return 1
    print(f"ok: {path}: {len(config.servers)} server(s), theme {config.theme}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ohtop; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "config":
        return config_check(args)
    try:
        return _main(parser, args)
    except UsageError as exc:
        sys.stderr.write(f"ohtop: {exc}\n")
        return 2


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "demo-server":
        from tui.demo.server import serve_forever

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(args.port, args.api_key, args.agent, args.v0))
        return 0
    config = load_config(args)
    args.servers = servers_from(args, config)
    log_path = logs.setup(args.log_level)
    if not args.servers and not args.demo:
        parser.error("give --server URL (repeatable), servers in the config file, or --demo")
    if args.command in ("watch", "wait"):
        return _run(_follow(args))
    if args.command == "status":
        try:
            return asyncio.run(_status(args))
        except BrokenPipeError:  # `ohtop status | head`: the reader left, which is fine
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    from tui.app import OhtopApp

    OhtopApp(
        args.servers,
        demo=args.demo,
        max_streams=args.max_streams if args.max_streams != 50 else config.streams.max,
        bell=args.bell or config.alerts.bell,
        intervals=config.polling.intervals(),
        thresholds=config.alerts.thresholds(),
        theme=config.theme,
        keymap=config.keys,
        allow_actions=args.allow_actions,
        log_path=str(log_path),
        reload=lambda: servers_from(args, load_config(args)),
    ).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
