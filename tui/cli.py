"""Command line: `ohtop` (the dashboard) and its subcommands. Each subcommand lists only the
options that apply to it; values are resolved by `tui.settings` (command line > environment >
config file > defaults). The dashboard's Textual app is imported only when it runs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from tui.client.budget import parse_rate
from tui.session.parent import PARENT_ENV
from tui.session.runtime import pace_frames, tune_gc
from tui.settings import ENV, Settings, UsageError, logs, reloader, resolve
from tui.settings import wire as settings_wire
from tui.settings.keymap import names
from tui.settings.logs import LEVELS

SUPPRESS = argparse.SUPPRESS
Adder = Callable[[argparse.ArgumentParser, Any], None]


def _rate(spec: str) -> str:
    try:
        parse_rate(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return spec


def _servers(p: argparse.ArgumentParser, default: Any) -> None:
    """Which servers, with which credentials: every command that reads servers."""
    g = p.add_argument_group("servers")
    g.add_argument(
        "--server",
        action="append",
        default=default if default is SUPPRESS else [],
        metavar="[NAME=]URL",
        help="server to watch (repeat for several); NAME= names it in the list",
    )
    g.add_argument(
        "--api-key",
        default=default,
        help=f"app-server API key, sent as Authorization: Bearer (env {ENV['api_key']})",
    )
    g.add_argument(
        "--session-api-key",
        default=default,
        help=f"key sent as X-Session-API-Key (agent server; env {ENV['session_api_key']})",
    )
    g.add_argument("--cookie", default=default, help="a Cookie header value (keycloak_auth=...)")
    g.add_argument(
        "--insecure", action="store_true", default=default, help="do not verify TLS certificates"
    )
    g.add_argument(
        "--rate",
        default=default,
        type=_rate,
        help="request budget per server: N/s, N/min, or 'hosted' (100/min) (default 8/s)",
    )
    g.add_argument(
        "--config",
        type=Path,
        default=default,
        metavar="PATH",
        help=f"config file (env {ENV['config']}; default: the platform's config directory)",
    )
    g.add_argument(
        "--demo",
        action="store_true",
        default=default,
        help="start the embedded demo server and watch it",
    )
    g.add_argument(
        "--log-level", choices=LEVELS, default=default, help="log file level (default warning)"
    )


def _streams(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument(
        "--max-streams",
        type=int,
        default=default,
        metavar="N",
        help="live websocket streams besides the selected one (default 50; -1: none)",
    )


def _dashboard(p: argparse.ArgumentParser, default: Any) -> None:
    """Options of the interactive dashboard (and of the dashboards `ohtop web` serves)."""
    _streams(p, default)
    g = p.add_argument_group("dashboard")
    g.add_argument(
        "--bell", action="store_true", default=default, help="ring the terminal bell on alerts"
    )
    g.add_argument(
        "--allow-actions",
        action="store_true",
        default=default,
        help="allow pausing and resuming conversations (read-only without it)",
    )
    g.add_argument(
        "--no-history",
        action="store_true",
        default=default,
        help="keep no local history (transitions, alerts, the list for the next start)",
    )
    g.add_argument(
        "--metrics",
        default=default,
        metavar="HOST:PORT",
        help="also serve Prometheus metrics there while the dashboard runs (loopback only)",
    )


def _remote(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow an address other machines can reach (a token is then required)",
    )


def _add(p: argparse.ArgumentParser, default: Any, *adders: Adder) -> None:
    for adder in adders:
        adder(p, default)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="ohtop",
        description="Watch many OpenHands conversations at once.",
        epilog="Run `ohtop COMMAND --help` for a command's options.",
    )
    _add(parser, None, _servers, _dashboard)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    status = sub.add_parser("status", help="print every conversation once and exit")
    _add(status, SUPPRESS, _servers)
    status.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    status.add_argument(
        "--histories",
        choices=("errors", "all", "none"),
        default="errors",
        help="event histories to read: of ERROR conversations (their last error; default), "
        "of all (task lists too; slow on big fleets), or none",
    )
    watch = sub.add_parser("watch", help="print status transitions as JSON lines until interrupted")
    _add(watch, SUPPRESS, _servers, _streams)
    watch.add_argument("--jsonl", action="store_true", help="JSON lines (the only format)")
    wait = sub.add_parser(
        "wait",
        help="follow one conversation until it settles (exit 0 done, 1 error/stuck, "
        "2 unreachable/not found, 3 timeout)",
    )
    _add(wait, SUPPRESS, _servers)
    wait.add_argument("conversation", help="conversation id (hex, dashed, or a unique prefix)")
    wait.add_argument("--timeout", type=float, default=None, metavar="S")
    exporter = sub.add_parser(
        "exporter", help="serve the fleet's metrics for Prometheus (/metrics, /healthz)"
    )
    _add(exporter, SUPPRESS, _servers, _streams)
    exporter.add_argument(
        "--listen",
        default="127.0.0.1:9464",
        metavar="HOST:PORT",
        help="where to serve (default 127.0.0.1:9464; loopback unless --allow-remote)",
    )
    _remote(exporter)
    exporter.add_argument(
        "--no-history", action="store_true", help="keep no local history (see the dashboard)"
    )
    exporter.add_argument(
        "--conversation-info",
        type=int,
        default=0,
        metavar="N",
        help="also export ohtop_conversation_info for up to N conversations (default 0: none)",
    )
    web = sub.add_parser(
        "web", help="serve the dashboard to a browser tab (loopback, with a token in the URL)"
    )
    _add(web, SUPPRESS, _servers, _dashboard)
    web.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    web.add_argument(
        "--public-url",
        metavar="URL",
        help="the address people browse to (behind a proxy); default: the one each browser used",
    )
    _remote(web)
    web.add_argument(
        "--max-sessions",
        type=int,
        default=4,
        metavar="N",
        help="browser tabs served at once; each runs one dashboard (default 4)",
    )
    report = sub.add_parser(
        "report",
        help="a triage report of one conversation: statuses, timeline, last error, tasks, events",
    )
    _add(report, SUPPRESS, _servers)
    report.add_argument("conversation", help="conversation id (hex, dashed, or a unique prefix)")
    report.add_argument("--format", choices=("md", "json"), default="md")
    report.add_argument("-o", "--output", type=Path, default=None, metavar="FILE")
    history = sub.add_parser(
        "history", help="print the stored transitions and alerts (of one conversation)"
    )
    history.add_argument("conversation", nargs="?", help="conversation id (or a unique prefix)")
    history.add_argument(
        "--since", default="24h", metavar="AGE", help="how far back: 30m, 6h, 7d (default 24h)"
    )
    history.add_argument("--json", action="store_true", help="JSON instead of lines")
    history.add_argument("--config", type=Path, default=SUPPRESS, metavar="PATH")
    config = sub.add_parser("config", help="check the config file")
    config.add_argument("action", choices=["check"])
    config.add_argument("--config", type=Path, default=SUPPRESS, metavar="PATH")
    demo = sub.add_parser("demo-server", help="run the embedded demo server alone")
    demo.add_argument("--port", type=int, default=8765)
    demo.add_argument("--agent", action="store_true", help="act as one agent server at the root")
    demo.add_argument("--v0", action="store_true", help="act as a V0 app server (socket.io)")
    demo.add_argument("--api-key", default=None, help="require this bearer key")
    demo.add_argument(
        "--conversations",
        type=int,
        default=None,
        metavar="N",
        help="scale mode: N conversations a server (15%% running), scripts frozen",
    )
    demo.add_argument(
        "--events-per-second",
        type=float,
        default=0.0,
        metavar="M",
        help="scale mode: M live events a second over the running conversations (all servers)",
    )
    demo.add_argument(
        "--servers", type=int, default=1, metavar="K", help="scale mode: K servers on --port.."
    )
    return parser


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """Run a headless command; Ctrl+C ends it quietly, a reader that left (`| head`) too."""
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ohtop; returns the process exit code."""
    tune_gc()
    pace_frames()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv and os.environ.get(settings_wire.ENV):  # a tab of `ohtop web`
        return _web_tab(os.environ[settings_wire.ENV])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "config":
        from tui.settings.check import config_check

        return config_check(args)
    try:
        return _main(parser, args)
    except UsageError as exc:
        sys.stderr.write(f"ohtop: {exc}\n")
        return 2
    except BrokenPipeError:  # `ohtop history | head`: the reader has what it wanted
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    """After a broken pipe, send what is left of stdout nowhere: Python's own flush at exit
    must not fail again (and print a traceback)."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "history":
        from tui.headless.history import history_command

        return history_command(args)
    if args.command == "demo-server":
        if args.conversations is not None:
            from tui.demo.scale import serve_scale

            if args.conversations < 1 or args.servers < 1:
                raise UsageError("--conversations and --servers must be 1 or more")
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(
                    serve_scale(args.port, args.conversations, args.events_per_second, args.servers)
                )
            return 0
        from tui.demo.server import serve_forever

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(args.port, args.api_key, args.agent, args.v0))
        return 0
    settings = resolve(args, known_actions=names())
    settings = _with_log(settings)
    if not settings.servers and not settings.demo:
        parser.error("give --server URL (repeatable), servers in the config file, or --demo")
    if args.command == "status":
        from tui.headless.status import status_command

        return _run(status_command(settings, args.json, histories=args.histories))
    if args.command == "watch":
        from tui.headless.watch import watch_command

        return _run(watch_command(settings))
    if args.command == "wait":
        from tui.headless.wait import wait_command

        return _run(wait_command(settings, args.conversation, args.timeout))
    if args.command == "web":
        from tui.settings.listen import Listen, check_bind
        from tui.web.server import web_command

        check_bind(args.host, args.port, args.allow_remote, "ohtop web on", "--allow-remote")
        if args.max_sessions < 1:
            raise UsageError("--max-sessions must be 1 or more")
        if getattr(args, "metrics", None):
            raise UsageError(
                "ohtop web: --metrics cannot be served by browser dashboards (each tab would "
                "bind the same port); run `ohtop exporter` beside it"
            )
        listen = Listen(args.host, args.port)
        return web_command(settings, listen, args.max_sessions, args.public_url)
    if args.command == "report":
        from tui.headless.report import report_command

        return _run(report_command(settings, args.conversation, args.format, args.output))
    if args.command == "exporter":
        from tui.exporter.command import exporter_command, metrics_listen

        listen = metrics_listen(args.listen, args.allow_remote)
        return _run(exporter_command(settings, listen, args.conversation_info))
    if getattr(args, "metrics", None):
        from tui.exporter.command import metrics_listen

        settings = replace(settings, metrics=metrics_listen(args.metrics, allow_remote=False))
    from tui.ui.app import OhtopApp

    reload = reloader(args) if settings.from_config else None
    OhtopApp(settings, reload=reload).run()
    return 0


def _web_tab(wire: str) -> int:
    """One browser tab's dashboard: exactly the settings `ohtop web` resolved (its keys
    included, through this process's environment only), ended when `ohtop web` ends."""
    from tui.session.parent import watch_parent
    from tui.ui.app import OhtopApp

    settings = _with_log(settings_wire.load(wire))
    if (parent := os.environ.get(PARENT_ENV, "")).isdigit():
        watch_parent(int(parent))
    reload = None
    if settings.from_config and settings.config_path is not None:
        reload = reloader(argparse.Namespace(config=settings.config_path))
    OhtopApp(settings, reload=reload).run()
    return 0


def _with_log(settings: Settings) -> Settings:
    return replace(settings, log_path=logs.setup(settings.log_level))


if __name__ == "__main__":
    sys.exit(main())
