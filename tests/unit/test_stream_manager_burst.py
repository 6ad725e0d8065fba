"""Choosing what to stream looks at every conversation: once per burst, not once per event."""

from __future__ import annotations

import asyncio

import pytest

from tui.protocol.status import ServerKind
from tui.store.stores import Stores
from tui.store.view import ConversationView
from tui.sync.stream_manager import RECONCILE_DELAY, StreamManager


async def test_a_burst_of_status_changes_is_reconciled_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stores = Stores()
    for i in range(50):
        stores.status.upsert(ConversationView(server="s", id=f"{i:032x}", kind=ServerKind.V1))
    manager = StreamManager(stores)
    looked: list[int] = []
    wanted = manager.wanted

    def counted() -> list[tuple[str, str]]:
        looked.append(1)
        return wanted()

    monkeypatch.setattr(manager, "wanted", counted)
    manager.start()
    assert len(looked) == 1  # on start, at once
    for i in range(50):  # fifty separate changes, as fifty stream events would make
        stores.status.apply_state(("s", f"{i:032x}"), "event", execution_status="running")
    assert len(looked) == 1
    await asyncio.sleep(RECONCILE_DELAY * 2)
    assert len(looked) == 2
    await manager.stop()
