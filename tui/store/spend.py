"""What the fleet spent in the last hour, from what the servers say: growth ohtop saw, and
whole costs of conversations created within the hour (dated by their server's creation time).
Spend ohtop could not see (a conversation first met with a cost already, created before the
hour began) makes the figure a lower bound, and it says so."""

from __future__ import annotations

from datetime import datetime

HOUR = 3600.0


class SpendLog:
    """Dollars per minute over the last hour, and whether any spend in it is unknown."""

    def __init__(self) -> None:
        self._minutes: dict[int, float] = {}
        self._blind_at = float("-inf")  # the last time some spend went unseen

    def first_sight(self, cost: float | None, created: datetime | None, now: float) -> None:
        """A conversation met for the first time (or again, after a restart) with `cost`."""
        if not cost:
            return
        born = created.timestamp() if created is not None else None
        if born is not None and born <= now:
            self._add(born, cost)  # all of it was spent since it was created
        if born is None or born > now or born < now - HOUR:
            self.unseen(now)  # when (some of) it was spent is unknown

    def unseen(self, now: float) -> None:
        """Some spend happened where ohtop could not date it (a restart's gap, say)."""
        self._blind_at = max(self._blind_at, now)

    def grew(self, before: float | None, after: float | None, now: float) -> None:
        """A known conversation's cost moved (ohtop saw it grow)."""
        if after is not None and after > (before or 0.0):
            self._add(now, after - (before or 0.0))

    def last_hour(self, now: float) -> tuple[float, bool]:
        """(dollars spent in the last hour, exact): not exact when some spend in the hour
        was not seen (the figure is then at least that)."""
        start = now - HOUR
        first = int(start // 60)
        for minute in [m for m in self._minutes if m < first]:
            del self._minutes[minute]
        total = sum(v for m, v in self._minutes.items() if m >= first)
        return total, self._blind_at < start

    def _add(self, at: float, dollars: float) -> None:
        minute = int(at // 60)
        self._minutes[minute] = self._minutes.get(minute, 0.0) + dollars
