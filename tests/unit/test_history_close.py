"""Closing the history store while its writer is still busy (a long queue at exit) neither
crashes the process (a connection closed under a commit did) nor loses what was queued: the
writer finishes and closes the connection itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.history import store as history
from tui.history.store import HistoryStore
from tui.store.status_store import Transition

N = 60_000


def test_close_under_a_long_queue_leaves_it_to_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    store.start()
    for i in range(N):
        store.transition(
            Transition(("s", f"{i:032x}"), "RUNNING", "ERROR", "running", "error", 1e9 + i, "poll")
        )
    monkeypatch.setattr(history, "CLOSE_WAIT", 0.001)  # gives up waiting at once
    store.close()
    writer = store._thread
    assert writer is not None and writer.is_alive()  # it was still writing
    writer.join(timeout=120)
    assert not writer.is_alive()
    kept = HistoryStore(path, readonly=True)
    try:
        assert len(kept.transitions()) == N  # nothing queued was lost
    finally:
        kept.close()
