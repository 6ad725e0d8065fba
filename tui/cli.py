"""Command line: `ohtop` (the dashboard) and its subcommands. Each subcommand lists only the
options that apply to it; values are resolved by `tui.settings` (command line > environment >
config file > defaults). The dashboard's Textual app is imported only when it runs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from typing import Any

from tui.session.parent import PARENT_ENV
from tui.session.runtime import pace_frames, tune_gc
from tui.settings import Settings, UsageError, logs, reloader, resolve
from tui.settings import wire as settings_wire
from tui.settings.arguments import build_parser
from tui.settings.keymap import names
from tui.start import first_frame
from tui.start.version import version


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
    if args.command == "completion":
        import shtab

        sys.stdout.write(shtab.complete(parser, shell=args.shell))
        return 0
    if args.command == "config":
        from tui.settings.check import config_check

        return config_check(args)
    try:
        return _main(parser, args, argv)
    except UsageError as exc:
        first_frame.leave()
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


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: list[str]) -> int:
    if args.command == "history":
        from tui.headless.history import history_command

        return history_command(args)
    if args.command == "status" and args.at is not None:
        from tui.headless.moment import status_at_command

        return status_at_command(args)
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
    if getattr(args, "webhooks", None):
        from tui.settings.listen import webhooks_listen

        if args.command == "web":
            raise UsageError("ohtop web: --webhooks is for one dashboard, `watch` or `exporter`")
        listen = webhooks_listen(args.webhooks, getattr(args, "webhooks_secret_file", None))
        settings = replace(settings, webhooks=listen)
    if args.command is None and args.at is not None:
        from tui.session.replay import Replay
        from tui.settings.moment import parse_moment

        moment = parse_moment(args.at)
        settings = replace(settings, at=moment, allow_actions=False)
        replay = Replay(settings.history)  # nothing kept from then: said here, before the screen
        try:
            replay.at(moment)
        finally:
            replay.close()
    if not settings.servers and not settings.demo and settings.at is None:
        first_frame.leave()
        parser.error("give --server URL (repeatable), servers in the config file, or --demo")
    if args.command == "status":
        from tui.headless.status import status_command

        return _run(status_command(settings, args.json, histories=args.histories))
    if args.command == "watch":
        from tui.headless.watch import watch_command

        return _run(watch_command(settings, plain=args.plain))
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
    if args.command == "act":
        from tui.headless.act import act_command

        text = args.reason if args.action == "reject" else args.message
        return _run(
            act_command(
                settings,
                args.action,
                args.conversations,
                text=text,
                policy=args.policy,
                yes=args.yes,
                if_plan=args.if_plan,
            )
        )
    if args.command == "report":
        from tui.headless.report import report_command

        return _run(report_command(settings, args.conversation, args.format, args.output))
    if args.command == "exporter":
        from tui.exporter.command import exporter_command, metrics_listen, shard_of_args

        listen = metrics_listen(args.listen, args.allow_remote)
        shard = shard_of_args(args.shard, args.total_shards)
        return _run(exporter_command(settings, listen, args.conversation_info, shard=shard))
    if getattr(args, "metrics", None):
        from tui.exporter.command import metrics_listen

        settings = replace(settings, metrics=metrics_listen(args.metrics, allow_remote=False))
    from tui.ui.app import OhtopApp

    reload = reloader(args) if settings.from_config else None
    if not settings.demo and settings.at is None:
        settings = replace(settings, frame_key=first_frame.key(argv, version()))
    first_frame.handed_over()
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
