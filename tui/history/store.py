"""A local history that survives restarts: SQLite (the standard library's sqlite3, WAL mode) in
the platform's state directory.

Per conversation: its transitions, alerts and their acknowledgements, first and last seen, the
last known view; per minute: counts by status (per server) and events received (per
conversation), for the sparklines. Writes are queued and committed by a thread of their own
every half second, never on the UI's path; a process killed at any point loses at most the
last second and leaves a readable store (WAL). Retention is bounded by age and size.

A store that cannot be used (corrupt, locked, full, unwritable) gives one clear message; ohtop
runs on without history, and a corrupt file is moved aside, never deleted. No Textual here.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.history.audit import AuditLog
from tui.history.files import create_private, tighten_all
from tui.history.moments import Moments
from tui.history.rows import FORGOTTEN, SCHEMA, WRITES, cut, packed, view_from_row, view_to_row
from tui.history.size import configure, on_disk, shrink
from tui.store.status_store import Transition
from tui.store.view import ConversationView, Key

log = logging.getLogger(__name__)
FLUSH_EVERY = 0.5  # seconds between commits: a kill loses at most this (and what is queued)
FLUSH_WAIT = 2.0  # seconds a write that must be on disk before it is shown may wait
CLOSE_WAIT = 5.0  # seconds close() waits for the queue to be written before it goes
DEFAULT_DAYS = 30.0
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


# Conversations of which no view is kept any more leave the keys `--at` looks up.
_UNKEPT_KEYS = (
    "DELETE FROM view_keys WHERE NOT EXISTS (SELECT 1 FROM views_at v "
    "WHERE v.server = view_keys.server AND v.id = view_keys.id)"
)


class HistoryUnavailable(Exception):
    """The store cannot be used; the message says why, in one line, for people."""


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert as kept in the store."""

    key: Key
    at: float
    what: str
    title: str
    detail: str
    code: str
    acked_at: float | None = None


def _minute(at: float) -> int:
    return int(at // 60)


class HistoryStore(AuditLog, Moments):
    """The store: open it, read what was kept, queue what happens; `close()` flushes."""

    def __init__(
        self,
        path: Path,
        *,
        days: float = DEFAULT_DAYS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        readonly: bool = False,
        wall: Any = time.time,
    ) -> None:
        self.path = path
        self.days = days
        self.max_bytes = max_bytes
        self.readonly = readonly
        self._wall = wall
        self._queue: queue.Queue[tuple[str, tuple[Any, ...]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._writer_closes = False  # close() left the connection to the writer to close
        self.failed: str | None = None  # why writing stopped, once it did
        self.written = 0
        self.pruned = 0  # rows removed to hold the size cap
        # The writer thread and the few writes made at once (acknowledgements) take turns.
        self._lock = threading.Lock()
        self._db = self._open()

    # -- opening ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            uri = f"file:{self.path}?mode=ro"
            db = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False)
        else:
            # Private before SQLite opens it: its -wal and -shm take the database's mode.
            create_private(self.path)
            tighten_all(*(Path(f"{self.path}{s}") for s in ("-wal", "-shm")))
            db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a crash of ohtop loses nothing committed
        db.execute("PRAGMA busy_timeout=5000")  # two ohtop processes take turns
        return db

    def _open(self) -> sqlite3.Connection:
        if self.readonly and not self.path.exists():
            raise HistoryUnavailable(f"no history at {self.path} yet")
        try:
            new = not self.path.exists() or self.path.stat().st_size == 0
            db = self._connect()
            if not self.readonly:
                configure(db, self.max_bytes, new)
                db.executescript(SCHEMA)
            check = db.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else '?'}")
            return db
        except sqlite3.DatabaseError as exc:
            if _corrupt(exc) and not self.readonly:
                moved = self._move_aside()
                raise HistoryUnavailable(
                    f"history store {self.path} is corrupt ({exc}); moved aside to {moved.name}"
                    "; running without history"
                ) from exc
            raise HistoryUnavailable(f"history store {self.path}: {exc}") from exc
        except OSError as exc:
            raise HistoryUnavailable(
                f"history store {self.path}: {exc.strerror or exc}; running without history"
            ) from exc

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.rename(Path(f"{target}{suffix}"))
        return target

    # -- reading ---------------------------------------------------------------------------

    def views(self, servers: Iterable[str] | None = None) -> list[ConversationView]:
        """The last known view of every kept conversation (of these servers), marked stale."""
        rows = self._db.execute("SELECT server, view, last_seen FROM conversations").fetchall()
        wanted = set(servers) if servers is not None else None
        out = []
        for server, text, last_seen in rows:
            if wanted is None or server in wanted:
                view = view_from_row(text, last_seen)
                if view is not None:
                    out.append(view)
        return out

    def transitions(self, key: Key | None = None, since: float = 0.0) -> list[Transition]:
        """Stored transitions (of one conversation), oldest first."""
        sql = (
            "SELECT server, id, at, old_status, new_status, old_execution, new_execution, "
            "reason, exact FROM transitions WHERE at >= ?"
        )
        args: list[Any] = [since]
        if key is not None:
            sql += " AND server = ? AND id = ?"
            args += list(key)
        rows = self._db.execute(sql + " ORDER BY at", args).fetchall()
        return [
            Transition((r[0], r[1]), r[3], r[4], r[5], r[6], r[2], r[7], bool(r[8])) for r in rows
        ]

    def alerts(self, key: Key | None = None, since: float = 0.0) -> list[StoredAlert]:
        """Stored alerts (of one conversation), oldest first."""
        sql = "SELECT server, id, at, what, title, detail, code, acked_at FROM alerts WHERE at >= ?"
        args: list[Any] = [since]
        if key is not None:
            sql += " AND server = ? AND id = ?"
            args += list(key)
        rows = self._db.execute(sql + " ORDER BY at", args).fetchall()
        return [StoredAlert((r[0], r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def first_seen(self) -> float | None:
        """When the store first saw any conversation it still keeps (None: none)."""
        row = self._db.execute("SELECT MIN(first_seen) FROM conversations").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def mutes(self) -> set[Key]:
        """Conversations muted (no alerts until unmuted)."""
        return {(r[0], r[1]) for r in self._db.execute("SELECT server, id FROM mutes")}

    def counts(self, since: float, server: str | None = None) -> dict[str, list[tuple[int, int]]]:
        """Per status, (minute, count) over time (summed over servers unless one is named)."""
        sql = "SELECT minute, status, SUM(n) FROM counts WHERE minute >= ?"
        args: list[Any] = [_minute(since)]
        if server is not None:
            sql += " AND server = ?"
            args.append(server)
        out: dict[str, list[tuple[int, int]]] = {}
        for minute, status, n in self._db.execute(sql + " GROUP BY minute, status", args):
            out.setdefault(status, []).append((minute, int(n)))
        for series in out.values():
            series.sort()
        return out

    def activity(self, key: Key, since: float) -> list[tuple[int, int]]:
        """Events received per minute for one conversation."""
        rows = self._db.execute(
            "SELECT minute, events FROM activity WHERE server = ? AND id = ? AND minute >= ? "
            "ORDER BY minute",
            (*key, _minute(since)),
        ).fetchall()
        return [(int(m), int(e)) for m, e in rows]

    # -- writing (queued; a thread commits) -----------------------------------------------

    def start(self) -> None:
        """Start the writer thread (after the reads of start-up)."""
        if self.readonly or self._thread is not None:
            return
        self._prune()
        self._thread = threading.Thread(
            target=self._write_forever, name="ohtop-history", daemon=True
        )
        self._thread.start()

    def _put(self, kind: str, *args: Any) -> None:
        if self.failed is None and not self.readonly:
            self._queue.put((kind, args))

    def seen(self, view: ConversationView) -> None:
        """The latest view of a conversation (first and last seen are kept)."""
        at, row = self._wall(), view_to_row(view)
        self._put("seen", view.server, view.id, at, row)
        self._put("view_at", view.server, view.id, at, packed(row))
        self._put("view_key", view.server, view.id)

    def forget(self, key: Key) -> None:
        """A conversation gone from its server: its last view is no longer kept."""
        self._put("forget", *key)
        self._put("view_at", *key, self._wall(), FORGOTTEN)

    def transition(self, t: Transition) -> None:
        """A status transition."""
        self._put(
            "transition",
            t.key[0],
            t.key[1],
            t.at,
            t.old_status,
            t.new_status,
            t.old_execution,
            t.new_execution,
            t.reason,
            int(t.exact),
        )

    def alert(self, a: StoredAlert) -> None:
        """An alert raised (its text cut as the alerts list shows it)."""
        title, detail, code = cut(a.title, 200), cut(a.detail, 300), cut(a.code, 120)
        self._put("alert", *a.key, a.at, a.what, title, detail, code)

    def acknowledge(
        self, key: Key, at: float, state: tuple[str, str | None, str | None] | None = None
    ) -> None:
        """Every alert of this conversation so far is acknowledged, and it stays quiet while
        it says `state` (status, execution status, server's last update). Written at once,
        not queued: a person is told it is done only when a restart would still know it."""
        self._put("ack", at, *key)
        if state is not None:
            self._put("ack_state", *key, at, *state)
        self.flush()

    def flush(self, timeout: float = FLUSH_WAIT) -> bool:
        """Commit everything queued so far, now; True once it is on disk (False: the writer
        did not manage within `timeout`, or writing has stopped)."""
        if self.failed is not None or self.readonly:
            return False
        if self._thread is None:  # not started: nothing else writes
            batch = []
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not None:
                    batch.append(item)
            self._commit(batch)
            return self.failed is None
        done = threading.Event()
        self._queue.put(("flush", (done,)))
        return done.wait(timeout) and self.failed is None

    def acks(self) -> dict[Key, tuple[str, str | None, str | None]]:
        """Acknowledged conversations, with the state each acknowledgement is bound to."""
        rows = self._db.execute("SELECT server, id, status, execution, updated FROM acks")
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}

    def mute(self, key: Key, muted: bool) -> None:
        """Mute (or unmute) a conversation's alerts."""
        if muted:
            self._put("mute", *key, self._wall())
        else:
            self._put("unmute", *key)

    def sample_counts(self, at: float, counts: dict[tuple[str, str], int]) -> None:
        """Conversations per (server, status) at this minute."""
        minute = _minute(at)
        for (server, status), n in counts.items():
            self._put("count", minute, server, status, n)

    def add_activity(self, at: float, per_key: dict[Key, int]) -> None:
        """Events received in this minute, per conversation."""
        minute = _minute(at)
        for (server, cid), n in per_key.items():
            self._put("activity", minute, server, cid, n)

    def _write_forever(self) -> None:
        try:
            self._write_until_closed()
        finally:
            with self._lock:
                if self._writer_closes:  # close() gave up waiting: the last one out closes
                    with contextlib.suppress(sqlite3.Error):
                        self._db.close()

    def _write_until_closed(self) -> None:
        last_prune = time.monotonic()
        while True:
            batch = self._drain()
            stop = batch is None
            if batch:
                self._commit(batch)
            if stop or self.failed is not None:
                return
            if time.monotonic() - last_prune > 3600:
                last_prune = time.monotonic()
                self._prune()

    def _drain(self) -> list[tuple[str, tuple[Any, ...]]] | None:
        """What was queued in the next half second; None once closing (the rest committed)."""
        batch: list[tuple[str, tuple[Any, ...]]] = []
        deadline = time.monotonic() + FLUSH_EVERY
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if item is None:  # close() asks to stop
                self._commit(batch)
                return None
            if item[0] == "flush":  # someone waits for what came before: commit it now
                self._commit(batch)
                item[1][0].set()
                return []
            batch.append(item)
        return batch

    def _commit(self, batch: list[tuple[str, tuple[Any, ...]]]) -> None:
        if not batch or self.failed is not None:
            return
        try:
            with self._lock:
                with self._db:
                    for kind, args in batch:
                        sql, shape = WRITES[kind]
                        self._db.execute(sql, shape(args) if shape else args)
                self.written += len(batch)
                if on_disk(self.path) > self.max_bytes:  # the cap holds as writes happen
                    self.pruned += shrink(self._db, self.path, self.max_bytes)
        except sqlite3.Error as exc:
            self.failed = f"history store {self.path}: {exc}; history stopped, ohtop goes on"
            log.error("%s", self.failed)

    def _prune(self) -> None:
        """Forget what is older than the retention, then the oldest until under the size."""
        with self._lock:
            self._prune_locked()

    def _prune_locked(self) -> None:
        cutoff = self._wall() - self.days * 86400
        try:
            with self._db:
                self._db.execute("DELETE FROM transitions WHERE at < ?", (cutoff,))
                self._db.execute("DELETE FROM alerts WHERE at < ?", (cutoff,))
                self._db.execute("DELETE FROM counts WHERE minute < ?", (_minute(cutoff),))
                self._db.execute("DELETE FROM activity WHERE minute < ?", (_minute(cutoff),))
                self._db.execute("DELETE FROM conversations WHERE last_seen < ?", (cutoff,))
                self._db.execute("DELETE FROM views_at WHERE at < ?", (cutoff,))
                self._db.execute(_UNKEPT_KEYS)
            self.pruned += shrink(self._db, self.path, self.max_bytes)
        except sqlite3.Error as exc:
            log.warning("history pruning failed: %s", exc)

    def close(self) -> None:
        """Write what is queued and close (bounded: a stuck disk must not hold the exit). A
        writer still busy after the wait closes the connection itself when it is done: closing
        it under a commit in progress crashes the process."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=CLOSE_WAIT)
            with self._lock:
                if self._thread.is_alive():
                    self._writer_closes = True
                    log.warning("history: still writing what was queued; it ends on its own")
                    return
            self._thread = None
        with contextlib.suppress(sqlite3.Error):
            self._db.close()


def _corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "integrity" in text


def when(at: float) -> str:
    """An epoch time as ISO 8601 UTC."""
    return datetime.fromtimestamp(at, UTC).isoformat()
