"""`ohtop status`: every conversation once, as a table for people or JSON for scripts."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from tui.headless.serialize import view_to_dict
from tui.protocol.status import SEED_STATUSES
from tui.session import open_fleet
from tui.session.codes import EXIT_OK, EXIT_UNREACHABLE
from tui.settings import Settings
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.text.format import DELETED, STATUS_RANK, age, fit_name, short_ids, state_text
from tui.text.sanitize import clean, safe_json


def ordered(stores: Stores) -> list[ConversationView]:
    """Every conversation, by server, then as the dashboard sorts (errors first, by status),
    newest first within a status."""
    return ordered_views(stores.status)


def ordered_views(views: Iterable[ConversationView]) -> list[ConversationView]:
    """`ordered`, of any views (the fleet at a moment, too)."""
    return sorted(
        views,
        key=lambda v: (
            v.server,
            STATUS_RANK.get(v.status, 5),
            -(v.created_at.timestamp() if v.created_at else 0.0),
            v.id,
        ),
    )


def totals_line(views: list[ConversationView]) -> str:
    """`39 conversations: ERROR 9, STARTING 2, RUNNING 24, STOPPED 2, ARCHIVED 2` (as the
    dashboard's header counts them: a deleted one in none)."""
    counted = Counter(v.status for v in views if not v.deleted)
    known = [s for s in SEED_STATUSES if counted[s]] + sorted(set(counted) - set(SEED_STATUSES))
    parts = ", ".join(f"{clean(s, 24)} {counted[s]}" for s in known)
    total = sum(counted.values())
    return f"{total} conversation{'s' if total != 1 else ''}" + (f": {parts}" if parts else "")


def print_table(views: list[ConversationView], out: TextIO, servers: int = 1) -> None:
    """A plain table for people (a SERVER column when there are several servers): the same
    coarse status as `--json` says, the fine state beside it, totals per status at the end."""
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
        word = DELETED if v.deleted else v.status
        state = f"{clean(word, 10):<10} {clean(state_text(v), 24):<24}"
        out.write(
            f"{state} {where}{tasks:>5} {updated:>8}  {short[v.id]:<{width}}  "
            f"{clean(v.title, 60)}\n"
        )
    out.write(totals_line(views) + "\n")


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
            out.write(safe_json([view_to_dict(v) for v in views], indent=2) + "\n")
        elif views or not failures:  # nothing read at all: no empty table, just why (above)
            print_table(views, out, len(fleet.servers))
    return EXIT_UNREACHABLE if failures else EXIT_OK
