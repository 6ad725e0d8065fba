"""Headless commands: `ohtop status` prints every conversation once."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from tui.client.config import ServerConfig
from tui.client.errors import ApiError
from tui.format import age, status_glyph
from tui.sanitize import clean
from tui.serialize import view_to_dict
from tui.state.monitor import ServerMonitor
from tui.state.polling import PollIntervals
from tui.state.stores import Stores
from tui.state.view import ConversationView

EXIT_OK = 0
EXIT_UNREACHABLE = 2


async def snapshot(
    configs: Sequence[ServerConfig], stores: Stores, intervals: PollIntervals | None = None
) -> list[str]:
    """Load every server once; returns one line per server that failed."""
    monitors = [ServerMonitor(c, stores, intervals) for c in configs]
    failures: list[str] = []

    async def one(m: ServerMonitor) -> None:
        try:
            await m.snapshot()
        except ApiError as exc:
            failures.append(f"{m.name}: {exc.message}")
        finally:
            await m.rest.aclose()

    await asyncio.gather(*(one(m) for m in monitors))
    return failures


def _sorted(stores: Stores) -> list[ConversationView]:
    return sorted(stores.status, key=lambda v: (v.server, v.created_at is None, v.created_at))


def print_table(views: list[ConversationView], out: TextIO) -> None:
    """A plain table for people."""
    header = f"{'STATUS':<10} {'STATE':<24} {'TASKS':>5} {'UPDATED':>8}  {'ID':<8}  TITLE"
    out.write(header + "\n")
    for v in views:
        tasks = f"{v.tasks_done}/{v.tasks_total}" if v.tasks_total else "-"
        updated = age(v.updated_at) if v.updated_at else "-"
        title = clean(v.title, 60)
        state = f"{clean(v.status, 8):<8} {clean(v.state_label, 24):<24}"
        line = f"{status_glyph(v.status)} {state} {tasks:>5}"
        out.write(f"{line} {updated:>8}  {v.id[:8]:<8}  {title}\n")
    out.write(f"{len(views)} conversations\n")


async def status_command(
    configs: Sequence[ServerConfig], as_json: bool, out: TextIO | None = None
) -> int:
    """Print every conversation once; exit 2 when a server cannot be read."""
    out = out or sys.stdout
    stores = Stores()
    failures = await snapshot(configs, stores)
    if failures:
        for line in failures:
            sys.stderr.write(f"ohtop: {line}\n")
        return EXIT_UNREACHABLE
    views = _sorted(stores)
    if as_json:
        json.dump([view_to_dict(v) for v in views], out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        print_table(views, out)
    return EXIT_OK
