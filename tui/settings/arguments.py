"""The command line's parser: `ohtop` (the dashboard) and its subcommands, each listing only
the options that apply to it. Values are resolved in `resolve` (command line > environment >
config file > defaults): every option here defaults to "not given"."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.client.budget import parse_rate
from tui.client.requests import ACTIONS, POLICIES
from tui.settings.config import THEMES
from tui.settings.logs import LEVELS
from tui.settings.resolve import ENV
from tui.start.version import version

SUPPRESS = argparse.SUPPRESS
SHELLS = ("bash", "zsh", "fish")
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
    g = p.add_argument_group("pushed events")
    g.add_argument(
        "--webhooks",
        default=default,
        metavar="[HOST:]PORT",
        help="receive agent servers' webhooks there (host 127.0.0.1 unless given); the "
        "secret comes from OHTOP_WEBHOOKS_SECRET or --webhooks-secret-file",
    )
    g.add_argument(
        "--webhooks-secret-file",
        default=default,
        metavar="PATH",
        help="a file holding the secret agent servers send as X-Ohtop-Secret",
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
    g.add_argument(
        "--theme",
        choices=THEMES,
        default=default,
        help="colours (okabe-ito: safe for red-green and blue-yellow colour blindness; "
        f"default from ${ENV['theme']}, the config file, or {THEMES[0]})",
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument(
        "--at",
        default=None,
        metavar="TIME",
        help="the fleet as the history store saw it then, read-only ([ ] step a minute, "
        "{ } an hour): 03:12, '2026-12-07 03:12', 90m (ago)",
    )
    _add(parser, None, _servers, _dashboard)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    status = sub.add_parser("status", help="print every conversation once and exit")
    _add(status, SUPPRESS, _servers)
    status.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    status.add_argument(
        "--at",
        default=None,
        metavar="TIME",
        help="the fleet as the history store saw it then, asking no server: 03:12, "
        "'2026-12-07 03:12', 90m (ago)",
    )
    status.add_argument(
        "--histories",
        choices=("errors", "all", "none"),
        default="errors",
        help="event histories to read: of ERROR conversations (their last error; default), "
        "of all (task lists too; slow on big fleets), or none",
    )
    watch = sub.add_parser(
        "watch",
        help="print status transitions (JSON lines, or --plain sentences) until interrupted",
    )
    _add(watch, SUPPRESS, _servers, _streams)
    shape = watch.add_mutually_exclusive_group()
    shape.add_argument("--jsonl", action="store_true", help="JSON lines (the default)")
    shape.add_argument(
        "--plain",
        action="store_true",
        help="one sentence per change, no colour or redraws (for screen readers and logs)",
    )
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
    exporter.add_argument(
        "--shard",
        type=int,
        default=0,
        metavar="I",
        help="watch only the servers of shard I (0-based) of --total-shards (default 0)",
    )
    exporter.add_argument(
        "--total-shards",
        type=int,
        default=1,
        metavar="N",
        help="split the configured servers into N shards by a hash of their names; run N "
        "exporters with one config, --shard 0 to N-1 (default 1: all)",
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
    history.add_argument(
        "--actions", action="store_true", help="the audit log of actions instead (`ohtop act`)"
    )
    history.add_argument("--config", type=Path, default=SUPPRESS, metavar="PATH")
    act = sub.add_parser(
        "act",
        help="act on conversations, bound to the state read now (a dry run without --yes; "
        "exit 0 done, 1 refused, 2 unreachable, 3 dry run)",
    )
    act.add_argument("action", choices=ACTIONS, help="what to do")
    act.add_argument("conversations", nargs="+", metavar="ID", help="hex, dashed or a prefix")
    _add(act, SUPPRESS, _servers)
    act.add_argument("--message", default="", help="the message to send (default: continue)")
    act.add_argument("--reason", default="", help="why an action is rejected")
    act.add_argument("--policy", default="", choices=("", *POLICIES), help="for `policy`")
    act.add_argument("--yes", action="store_true", help="send it (without: print the plan)")
    act.add_argument("--if-plan", default=None, metavar="TOKEN", help="only if still this plan")
    config = sub.add_parser("config", help="check the config file")
    config.add_argument("action", choices=["check"])
    config.add_argument("--config", type=Path, default=SUPPRESS, metavar="PATH")
    completion = sub.add_parser(
        "completion", help="print a shell completion script (bash, zsh or fish)"
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")
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
