"""The audit log of what ohtop did to conversations (every request an action sent, the state it
was bound to, and its outcome: appended, on disk before the action goes on, never rewritten),
and the marks of conversations a person has looked at (part of the history store)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from tui.store.view import Key


class AuditLog:
    """The history store's audit log and seen marks (mixed into `HistoryStore`)."""

    _db: sqlite3.Connection
    _wall: Callable[[], float]

    def _put(self, kind: str, *args: Any) -> None:
        raise NotImplementedError

    def flush(self, timeout: float = 2.0) -> bool:
        raise NotImplementedError

    def log_action(self, record: dict[str, Any]) -> bool:
        """One request an action sent (or its outcome), appended to the audit log and on disk
        before this returns (never rewritten; the size cap leaves it). False: not written."""
        self._put(
            "action",
            record["at"],
            record["server"],
            record["conversation"],
            record["action"],
            json.dumps(record["request"], sort_keys=True),
            json.dumps(record.get("state_seen"), sort_keys=True),
            record["result"],
        )
        return self.flush()

    def actions(self, since: float = 0.0) -> list[dict[str, Any]]:
        """The audit log, oldest first."""
        rows = self._db.execute(
            "SELECT at, server, id, action, request, seen, result FROM actions WHERE at >= ? "
            "ORDER BY rowid",
            (since,),
        ).fetchall()
        return [
            {
                "at": r[0],
                "server": r[1],
                "conversation": r[2],
                "action": r[3],
                "request": json.loads(r[4]),
                "state_seen": json.loads(r[5]) if r[5] else None,
                "result": r[6],
            }
            for r in rows
        ]

    def mark_seen(self, key: Key, at: float) -> None:
        """A person looked at this conversation (its detail, or acted on it) at `at`."""
        self._put("seen_mark", *key, at)

    def seen_marks(self) -> dict[Key, float]:
        """When a person last looked at each conversation."""
        rows = self._db.execute("SELECT server, id, at FROM seen_marks")
        return {(r[0], r[1]): float(r[2]) for r in rows}
