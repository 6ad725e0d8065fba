"""The history store's tables, and a conversation's last view as a row of it: JSON of the view
without its session key, its text cut as the screens cut it."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from tui.protocol.events import TaskItem
from tui.protocol.status import ServerKind
from tui.store.pending import Pending
from tui.store.view import ConversationView, ErrorInfo

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    server TEXT NOT NULL, id TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
    view TEXT NOT NULL, PRIMARY KEY (server, id));
CREATE TABLE IF NOT EXISTS transitions (
    server TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, old_status TEXT,
    new_status TEXT NOT NULL, old_execution TEXT, new_execution TEXT, reason TEXT NOT NULL,
    exact INTEGER NOT NULL, UNIQUE (server, id, at, new_status, new_execution));
CREATE INDEX IF NOT EXISTS transitions_by_time ON transitions (at);
CREATE TABLE IF NOT EXISTS alerts (
    server TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, what TEXT NOT NULL,
    title TEXT NOT NULL, detail TEXT NOT NULL, code TEXT NOT NULL, acked_at REAL,
    UNIQUE (server, id, at, what));
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (at);
CREATE TABLE IF NOT EXISTS acks (
    server TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL,
    execution TEXT, updated TEXT, PRIMARY KEY (server, id));
CREATE TABLE IF NOT EXISTS actions (
    at REAL NOT NULL, server TEXT NOT NULL, id TEXT NOT NULL, action TEXT NOT NULL,
    request TEXT NOT NULL, seen TEXT, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen_marks (
    server TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (server, id));
CREATE TABLE IF NOT EXISTS mutes (
    server TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (server, id));
CREATE TABLE IF NOT EXISTS counts (
    minute INTEGER NOT NULL, server TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (minute, server, status));
CREATE TABLE IF NOT EXISTS views_at (
    server TEXT NOT NULL, id TEXT NOT NULL, at REAL NOT NULL, view BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS views_at_by_key ON views_at (server, id, at);
CREATE INDEX IF NOT EXISTS views_at_by_time ON views_at (at);
CREATE TABLE IF NOT EXISTS view_keys (
    server TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (server, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS activity (
    minute INTEGER NOT NULL, server TEXT NOT NULL, id TEXT NOT NULL, events INTEGER NOT NULL,
    PRIMARY KEY (minute, server, id));
"""


FORGOTTEN = b""  # a views_at row saying the conversation left the store then


def packed(row: str) -> bytes:
    """A view as kept for `--at`: compressed (a busy day rewrites many views; about a third
    of the size)."""
    return zlib.compress(row.encode("utf-8"), 1)


def unpacked(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


# Stored text is cut as the screens cut it: a title of 100 KB is kept as the 200 characters
# anyone sees, so the size cap is not eaten by what no one reads.
CUTS = {"title": 200, "repository": 200, "branch": 100, "conversation_url": 500}
CUTS |= {"web_url": 500, "api_url": 500, "sandbox_id": 100}
MAX_TASKS = 50


def cut(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def view_to_row(view: ConversationView) -> str:
    """A view as JSON for the store (never the session key; text cut as shown)."""
    data = asdict(view)
    for name, limit in CUTS.items():
        data[name] = cut(data[name], limit)
    if data.get("tasks"):
        data["tasks"] = [
            {**t, "title": cut(t["title"], 200), "notes": cut(t.get("notes"), 200)}
            for t in data["tasks"][:MAX_TASKS]
        ]
    if (err := data.get("last_error")) is not None:
        err["code"], err["detail"] = cut(err["code"], 120), cut(err["detail"], 500)
    data["keyed"] = bool(view.session_api_key)  # had a key: `--at` masks it as live output does
    data["session_api_key"] = None
    data.pop("confirmed_at", None)  # a shown copy's; the row's last_seen says it
    data.pop("search_text", None)
    data.pop("key", None)  # built from server and id
    for name in ("created_at", "updated_at"):
        value = data[name]
        data[name] = value.isoformat() if value else None
    return json.dumps(data, separators=(",", ":"))


def view_from_row(
    text: str, last_seen: float | None = None, *, as_kept: bool = False
) -> ConversationView | None:
    """A stored view (stale: last confirmed when it was last seen), or None when the row
    cannot be read back. `as_kept`: as it was then, not stale, its key masked ("***") when
    it had one (for `--at`, which never connects with it)."""
    try:
        data = json.loads(text)
        keyed = data.pop("keyed", False)
        for name in ("created_at", "updated_at"):
            data[name] = datetime.fromisoformat(data[name]) if data[name] else None
        data["kind"] = ServerKind(data["kind"])
        if data.get("tasks") is not None:
            data["tasks"] = tuple(TaskItem(**t) for t in data["tasks"])
        if data.get("last_error") is not None:
            data["last_error"] = ErrorInfo(**data["last_error"])
        if data.get("pending") is not None:
            data["pending"] = tuple(Pending(**p) for p in data["pending"])
        data["stale"] = not as_kept  # not confirmed by the server yet
        data["confirmed_at"] = None if as_kept else last_seen
        if as_kept and keyed:
            data["session_api_key"] = "***"
        return ConversationView(**data)
    except (ValueError, TypeError, KeyError):
        return None


# Each kind of queued write, as SQL (and how its arguments are arranged, when they are).
WRITES: dict[str, tuple[str, Callable[[tuple[Any, ...]], tuple[Any, ...]] | None]] = {
    "seen": (
        "INSERT INTO conversations VALUES (?, ?, ?, ?, ?) ON CONFLICT (server, id) DO "
        "UPDATE SET last_seen = excluded.last_seen, view = excluded.view",
        lambda a: (a[0], a[1], a[2], a[2], a[3]),
    ),
    "forget": ("DELETE FROM conversations WHERE server = ? AND id = ?", None),
    # Every view as written, and "" when it was forgotten: the fleet at any moment (`--at`).
    "view_at": ("INSERT INTO views_at VALUES (?, ?, ?, ?)", None),
    "view_key": ("INSERT OR IGNORE INTO view_keys VALUES (?, ?)", None),
    "transition": ("INSERT OR IGNORE INTO transitions VALUES (?,?,?,?,?,?,?,?,?)", None),
    "alert": ("INSERT OR IGNORE INTO alerts VALUES (?,?,?,?,?,?,?,NULL)", None),
    "ack": (
        "UPDATE alerts SET acked_at = ? WHERE server = ? AND id = ? AND acked_at IS NULL",
        None,
    ),
    "ack_state": ("INSERT OR REPLACE INTO acks VALUES (?, ?, ?, ?, ?, ?)", None),
    "action": ("INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?)", None),
    "seen_mark": ("INSERT OR REPLACE INTO seen_marks VALUES (?, ?, ?)", None),
    "mute": ("INSERT OR REPLACE INTO mutes VALUES (?, ?, ?)", None),
    "unmute": ("DELETE FROM mutes WHERE server = ? AND id = ?", None),
    "count": (
        "INSERT INTO counts VALUES (?,?,?,?) ON CONFLICT (minute, server, status) DO "
        "UPDATE SET n = excluded.n",
        None,
    ),
    "activity": (
        "INSERT INTO activity VALUES (?,?,?,?) ON CONFLICT (minute, server, id) DO "
        "UPDATE SET events = events + excluded.events",
        None,
    ),
}
