"""What the Fleet does to conversations, through each one's own server's client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui.client.actions import Outcome, Target, perform
from tui.store.view import Key

if TYPE_CHECKING:
    from tui.fleet.fleet import Fleet


async def act(fleet: Fleet, action: str, keys: Sequence[Key]) -> list[tuple[Key, Outcome]]:
    """Pause or resume conversations through their own server's client; one outcome each."""
    results: list[tuple[Key, Outcome]] = []
    for name, monitor in fleet.monitors.items():
        mine = [k for k in keys if k[0] == name]
        targets = []
        for key in mine:
            view = fleet.stores.status.get(key)
            kind = view.kind if view is not None else None
            targets.append(Target(key[1], kind, view.sandbox_id if view else None))
        if targets:
            outcomes = await perform(monitor.rest, targets, action)
            results += list(zip(mine, outcomes, strict=True))
            for key, outcome in zip(mine, outcomes, strict=True):
                monitor.poll_soon(key)
                if outcome.status == 429:  # the agent server's run capacity is full
                    fleet.refused[key] = "run refused: the server's run capacity is full"
    unknown = [k for k in keys if k[0] not in fleet.monitors]
    results += [(k, Outcome(k[1], False, "its server is not watched")) for k in unknown]
    return results
