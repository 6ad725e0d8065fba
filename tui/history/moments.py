"""The fleet as the history store saw it at any moment (`ohtop --at`, `status --at`): each
conversation's last view written at or before that moment, without those its server no longer
had by then. Views are written within a second of a change, so a moment is exact to a second.
How far back it reaches is the store's retention (`days`, and the size cap first)."""

from __future__ import annotations

import sqlite3

from tui.history.rows import FORGOTTEN, unpacked, view_from_row
from tui.store.view import ConversationView

# One index seek per conversation ever kept: a day of a busy fleet is hundreds of thousands
# of views, and a scan of them all took most of a seek.
_LATEST = """
SELECT k.server, k.id, (
    SELECT v.view FROM views_at v WHERE v.server = k.server AND v.id = k.id AND v.at <= ?
    ORDER BY v.at DESC, v.rowid DESC LIMIT 1)
FROM view_keys k
"""


class Moments:
    """Reading the fleet at a moment (mixed into `HistoryStore`)."""

    _db: sqlite3.Connection

    def fleet_at(self, at: float) -> list[ConversationView]:
        """Every conversation as it was at `at` (epoch seconds), as kept then: not stale."""
        latest: dict[tuple[str, str], bytes | None] = {}
        for server, cid, blob in self._db.execute(_LATEST, (at,)):
            latest[(server, cid)] = blob  # of two rows at one time, the later one
        views = []
        for blob in latest.values():
            if blob is None or blob == FORGOTTEN:  # not yet, or no longer, kept
                continue
            view = view_from_row(unpacked(blob), as_kept=True)
            if view is not None:
                views.append(view)
        return views

    def moments(self) -> tuple[float, float] | None:
        """The first and last moment kept, or None before anything was written."""
        first, last = self._db.execute("SELECT MIN(at), MAX(at) FROM views_at").fetchone()
        return None if first is None else (float(first), float(last))
