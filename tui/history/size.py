"""The history store's size cap, held as writes happen: every table counts, the oldest go
first, freed pages go back to the file system (incremental vacuum) and the write-ahead log is
kept short (checkpointed and truncated), so the files on disk stay within 1.5x the cap."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

PAGE = 4096
TARGET = 0.7  # pruning goes down to this share of the cap (room for the next writes)
SHARE = 0.2  # of each table's rows, the oldest, removed per pruning round
ROUNDS = 12
# Each table, with the column that says how old a row is.
AGED = (
    ("transitions", "at"),
    ("alerts", "at"),
    ("counts", "minute"),
    ("activity", "minute"),
    ("conversations", "last_seen"),
    ("acks", "at"),
)
# Pruned alone first: the views kept for `--at` are most of a busy store, and the moments
# they give are worth less than a month of transitions and alerts.
FIRST = (("views_at", "at"),)


def configure(db: sqlite3.Connection, max_bytes: int, new: bool) -> None:
    """Pragmas that keep the files near their content: pages freed by deletions can be handed
    back (auto_vacuum, set before the first table: an older file is vacuumed once to take
    it), and the write-ahead log is checkpointed and cut before it grows past a quarter of
    the cap."""
    mode = db.execute("PRAGMA auto_vacuum").fetchone()[0]
    if mode != 2:  # INCREMENTAL
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if not new:
            db.execute("VACUUM")
    pages = max(16, min(1000, max_bytes // 4 // PAGE))
    db.execute(f"PRAGMA wal_autocheckpoint = {pages}")
    db.execute(f"PRAGMA journal_size_limit = {max(64 * 1024, max_bytes // 4)}")


def on_disk(path: Path) -> int:
    """Bytes the store takes now: the database and its write-ahead log."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(FileNotFoundError):
            total += Path(f"{path}{suffix}").stat().st_size
    return total


def shrink(db: sqlite3.Connection, path: Path, max_bytes: int) -> int:
    """Remove the oldest rows of every table until the store is under TARGET of the cap.
    Returns the rows removed."""
    removed = 0
    for tables in (FIRST, FIRST + AGED):
        removed += _rounds(db, path, max_bytes, tables)
    _settle(db)
    return removed


def _rounds(
    db: sqlite3.Connection, path: Path, max_bytes: int, tables: tuple[tuple[str, str], ...]
) -> int:
    """Pruning rounds over `tables` until under TARGET or nothing is left to remove."""
    removed = 0
    for _ in range(ROUNDS):
        _settle(db)
        if on_disk(path) <= max_bytes * TARGET:
            break
        gone = 0
        with db:
            for table, column in tables:
                rows = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                if not rows:
                    continue
                cut = db.execute(
                    f"SELECT {column} FROM {table} ORDER BY {column} LIMIT 1 OFFSET ?",
                    (max(0, int(rows * SHARE) - 1),),
                ).fetchone()[0]
                gone += db.execute(f"DELETE FROM {table} WHERE {column} <= ?", (cut,)).rowcount
        removed += gone
        if not gone:
            break
    return removed


def _settle(db: sqlite3.Connection) -> None:
    """Hand freed pages back and fold the log into the database, then cut it."""
    db.execute("PRAGMA incremental_vacuum")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
