"""`ohtop history [ID] [--since 1h] [--json]`: the stored transitions and alerts, for scripts."""

from __future__ import annotations

import os
import re
import sys
import time
from argparse import Namespace
from typing import TextIO

from tui.history.store import HistoryStore, HistoryUnavailable, when
from tui.protocol.ids import normalize_id
from tui.session.codes import EXIT_OK, EXIT_UNREACHABLE
from tui.settings import UsageError, config_path, history_path, load_config
from tui.text.sanitize import clean, safe_json

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(text: str) -> float:
    """`30m`, `6h`, `7d` -> seconds; a UsageError says what is wrong."""
    match = _AGE.match(text)
    if not match:
        raise UsageError(f"--since {text!r}: use a number and s, m, h or d (30m, 6h, 7d)")
    return float(match.group(1)) * _UNIT[match.group(2)]


def history_command(args: Namespace, out: TextIO | None = None) -> int:
    """Print what the store kept (exit 2 when there is no store, or no such conversation)."""
    out = out or sys.stdout
    path = history_path(args, load_config(*config_path(args, os.environ)))
    if path is None:
        sys.stderr.write("ohtop: history is turned off in the config file\n")
        return EXIT_UNREACHABLE
    since = time.time() - parse_age(args.since)
    try:
        store = HistoryStore(path, readonly=True)
    except HistoryUnavailable as exc:
        sys.stderr.write(f"ohtop: {exc}\n")
        return EXIT_UNREACHABLE
    if getattr(args, "actions", False):
        try:
            return _actions(store, since, bool(args.json), out)
        finally:
            store.close()
    try:
        key = None
        if args.conversation:
            wanted = normalize_id(args.conversation)
            keys = {v.key for v in store.views() if v.id.startswith(wanted)}
            keys |= {t.key for t in store.transitions(since=since) if t.key[1].startswith(wanted)}
            if len(keys) != 1:
                what = "not in the history" if not keys else f"ambiguous: {len(keys)} match"
                sys.stderr.write(f"ohtop: conversation {clean(args.conversation, 80)}: {what}\n")
                return EXIT_UNREACHABLE
            key = keys.pop()
        transitions = store.transitions(key, since)
        alerts = store.alerts(key, since)
    finally:
        store.close()
    if args.json:
        record = {
            "transitions": [
                {
                    "server": t.key[0],
                    "conversation": t.key[1],
                    "at": when(t.at),
                    "exact": t.exact,
                    "from": t.old_status,
                    "to": t.new_status,
                    "from_execution": t.old_execution,
                    "to_execution": t.new_execution,
                    "reason": t.reason,
                }
                for t in transitions
            ],
            "alerts": [
                {
                    "server": a.key[0],
                    "conversation": a.key[1],
                    "at": when(a.at),
                    "what": a.what,
                    "title": a.title,
                    "detail": a.detail,
                    "code": a.code,
                    "acknowledged_at": when(a.acked_at) if a.acked_at else None,
                }
                for a in alerts
            ],
        }
        out.write(safe_json(record, indent=2) + "\n")
        return EXIT_OK
    for t in transitions:
        old = f"{t.old_status}/{t.old_execution or '-'}" if t.old_status else "first seen"
        line = f"{when(t.at)}  {t.key[0]} {t.key[1][:12]}  {old} -> {t.new_status}/"
        out.write(clean(f"{line}{t.new_execution or '-'}  ({t.reason})", 300) + "\n")
    for a in alerts:
        acked = "  (acknowledged)" if a.acked_at else ""
        line = f"{when(a.at)}  {a.key[0]} {a.key[1][:12]}  ALERT {a.what}: {a.title} {a.detail}"
        out.write(clean(line + acked, 300) + "\n")
    out.write(f"{len(transitions)} transitions, {len(alerts)} alerts\n")
    return EXIT_OK


def _actions(store: HistoryStore, since: float, as_json: bool, out: TextIO) -> int:
    """The audit log: every request an action sent, the state it was bound to, the result."""
    records = store.actions(since)
    for r in records:
        r["at"] = when(r["at"])
    if as_json:
        out.write(safe_json(records, indent=2) + "\n")
        return EXIT_OK
    for r in records:
        request = r["request"]
        line = (
            f"{r['at']}  {r['server']} {r['conversation'][:12]}  {r['action']}  "
            f"{request.get('method')} {request.get('url') or request.get('path')}  {r['result']}"
        )
        out.write(clean(line, 400) + "\n")
    out.write(f"{len(records)} action records\n")
    return EXIT_OK
