"""The history store's size cap holds at any time: a churning fleet of long titles writing for
a while never takes more than 1.5x the cap on disk, every table counts, and stored text is cut
as the screens cut it."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import view
from tui.history.size import on_disk
from tui.history.store import HistoryStore, StoredAlert
from tui.store.status_store import Transition

CAP = 2 * 1024 * 1024


def _churn(store: HistoryStore, rounds: int, sizes: list[int]) -> None:
    now = time.time()
    for r in range(rounds):
        for i in range(400):
            cid = f"{r:04d}{i:04d}" + "0" * 24
            store.seen(view(cid, title="A very long title " * 600, repository="acme/" + "r" * 500))
            t = Transition(("s", cid), "RUNNING", "ERROR", "running", "error", now + r + i, "x")
            store.transition(t)
            if i % 10 == 0:
                store.alert(StoredAlert(("s", cid), now + r, "error", "t" * 5000, "d" * 9000, "E"))
            store.sample_counts(now + r * 60 + i, {("s", "RUNNING"): i, ("s", "ERROR"): r})
        assert store.flush(10.0)
        sizes.append(on_disk(store.path))


def test_the_cap_holds_as_writes_happen_and_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path, max_bytes=CAP)
    store.start()
    sizes: list[int] = []
    try:
        _churn(store, 25, sizes)
    finally:
        store.close()
    assert store.pruned > 0, "the churn never reached the cap: the test tested nothing"
    assert max(sizes) <= 1.5 * CAP, [f"{s / 1e6:.1f} MB" for s in sizes]
    again = HistoryStore(path, max_bytes=CAP)
    again.start()
    again.close()
    assert on_disk(path) <= 1.5 * CAP
    kept = HistoryStore(path, readonly=True)
    try:
        views = kept.views()
        assert views and all(len(v.title) <= 200 for v in views)
        assert all(len(a.detail) <= 300 and len(a.title) <= 200 for a in kept.alerts())
    finally:
        kept.close()


def test_the_audit_log_outlives_the_cap_and_the_retention(tmp_path: Path) -> None:
    """What ohtop did to conversations is never pruned: not by the size cap, not by the days
    kept; records come back in the order written, after a restart."""
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path, max_bytes=CAP, days=1)
    store.start()
    long_ago = time.time() - 30 * 86400
    records = [
        {
            "at": long_ago + n,
            "server": "s",
            "conversation": f"{n:032d}",
            "action": "approve",
            "request": {"method": "POST", "path": f"api/conversations/{n}/events"},
            "state_seen": {"execution": "waiting_for_confirmation", "pending": [str(n)]},
            "result": "sent",
        }
        for n in range(20)
    ]
    try:
        for record in records:
            assert store.log_action(record)  # on disk before it returns
        _churn(store, 25, [])
    finally:
        store.close()
    assert store.pruned > 0
    again = HistoryStore(path, max_bytes=CAP, days=1)
    again.start()
    again.close()
    kept = HistoryStore(path, readonly=True)
    try:
        assert kept.actions() == records
    finally:
        kept.close()
