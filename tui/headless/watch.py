"""`ohtop watch`: every status transition as a JSON line (`--jsonl`) or, with `--plain`, as one
sentence a screen reader can read out or a log can keep, until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime
from typing import TextIO

from tui.fleet.fleet import Fleet
from tui.session import open_fleet
from tui.session.codes import EXIT_OK
from tui.settings import Settings
from tui.store.status_store import Transition
from tui.store.view import ConversationView
from tui.store.websocket_store import LinkInfo, LinkState, is_server_link
from tui.text.sanitize import clean, safe_json

BAD = frozenset({LinkState.RECONNECTING, LinkState.FAILED})


def transition_record(t: Transition, view: ConversationView | None) -> dict[str, object]:
    """One transition as plain data (a JSON line)."""
    return {
        "conversation": t.key[1],
        "server": t.key[0],
        "title": view.title if view else None,
        "from": t.old_status,
        "to": t.new_status,
        "from_execution": t.old_execution,
        "to_execution": t.new_execution,
        "at": datetime.fromtimestamp(t.at, UTC).isoformat(),
        "at_exact": t.exact,
        "reason": t.reason,
    }


def server_record(link: LinkInfo) -> dict[str, object]:
    """A server's link changing state, as a JSON line (a failing server is news too)."""
    return {
        "server": link.name.server,
        "link": link.state.value,
        "error": link.last_error,
        "at": datetime.now(UTC).isoformat(),
    }


def plain_line(record: dict[str, object]) -> str:
    """A JSON record as a sentence: time, what, from, to, how it was learnt; words, not
    colours, arrows or columns."""
    at = str(record["at"])[:19].replace("T", " ") + " UTC"
    if "link" in record:
        said = f"{at}: server {record['server']} is {str(record['link']).lower()}"
        return said + (f": {record['error']}" if record.get("error") else "")
    title = f' "{record["title"]}"' if record.get("title") else ""

    def state(status: object, execution: object) -> str:
        if status is None:
            return "nothing"
        return f"{status} ({execution})" if execution else str(status)

    return (
        f"{at}: {record['server']} conversation {str(record['conversation'])[:8]}{title} went "
        f"from {state(record['from'], record['from_execution'])} "
        f"to {state(record['to'], record['to_execution'])}, learnt by {record['reason']}"
    )


async def watch_command(
    settings: Settings, out: TextIO | None = None, *, plain: bool = False
) -> int:
    """Print transitions, and servers whose link fails or recovers, until interrupted."""
    stream = out or sys.stdout
    states: dict[str, LinkState] = {}

    def write(record: dict[str, object]) -> None:
        stream.write((clean(plain_line(record), 2000) if plain else safe_json(record)) + "\n")
        stream.flush()

    def link_changed(fleet: Fleet, name: str) -> None:
        link = fleet.stores.links.get(name)
        if not is_server_link(name):
            return  # streams come and go; only server links are reported
        if link.state is LinkState.CONNECTING:
            return  # a try, not news: a down server's retries are one line, not two each
        before = states.get(name)
        states[name] = link.state
        bad, was_bad = link.state in BAD, before in BAD
        if bad != was_bad and (bad or before is not None):  # failing, or back
            write(server_record(link))

    async with open_fleet(settings) as fleet:
        fleet.stores.status.transitions.subscribe(
            lambda t: write(transition_record(t, fleet.stores.status.get(t.key)))
        )
        fleet.stores.links.changed.subscribe(lambda name: link_changed(fleet, name))
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
    return EXIT_OK
