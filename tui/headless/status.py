"""`ohtop status`: every conversation once, as a table for people or JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from tui.client.secrets import redact
from tui.format import age, fit_name, short_ids, status_word
from tui.headless.codes import EXIT_OK, EXIT_UNREACHABLE
from tui.headless.serialize import view_to_dict
from tui.sanitize import clean
from tui.session import open_fleet
from tui.settings import Settings
from tui.state.stores import Stores
from tui.state.view import ConversationView


def ordered(stores: Stores) -> list[ConversationView]:
    """Every conversation, by server, then oldest first."""
    return sorted(stores.status, key=lambda v: (v.server, v.created_at is None, v.created_at))


def print_table(views: list[ConversationView], out: TextIO, servers: int = 1) -> None:
    """A plain table for people (a SERVER column when there are several servers)."""
    short = short_ids([v.id for v in views])
    width = max((len(s) for s in short.values()), default=8)
    server = f"{'SERVER':<20} " if servers > 1 else ""
    out.write(
        f"{'STATUS':<10} {'STATE':<24} {server}{'TASKS':>5} {'UPDATED':>8}  "
        f"{'ID':<{width}}  TITLE\n"
    )
    for v in views:
        tasks = f"{v.tasks_done}/{v.tasks_total}" if v.tasks_total else "-"
        updated = age(v.updated_at) if v.updated_at else "-"
        where = f"{fit_name(v.server, 20):<20} " if servers > 1 else ""
        state = f"{clean(status_word(v), 8):<8} {clean(v.state_label, 24):<24}"
        out.write(
            f"{state} {where}{tasks:>5} {updated:>8}  {short[v.id]:<{width}}  "
            f"{clean(v.title, 60)}\n"
        )
    out.write(f"{len(views)} conversations\n")


async def status_command(
    settings: Settings,
    as_json: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
    histories: str = "errors",
) -> int:
    """Print every conversation once. Exit 2 when a server cannot be read; what the other
    servers answered is still printed, and the failing ones are named on stderr."""
    out = out or sys.stdout
    err = err or sys.stderr
    async with open_fleet(settings, start=False, flaky_demo=False) as fleet:
        failures = await fleet.snapshot(histories)
        for line in failures:
            err.write(f"ohtop: {clean(line, 300)}\n")
        views = ordered(fleet.stores)
        if as_json:
            text = json.dumps([view_to_dict(v) for v in views], indent=2, ensure_ascii=False)
            out.write(redact(text) + "\n")
        else:
            print_table(views, out, len(fleet.servers))
    return EXIT_UNREACHABLE if failures else EXIT_OK
