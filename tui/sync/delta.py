"""Ask a V1 app server what changed since its last answer (`search?updated_at__gte=`), so a
fleet of 50,000 stays fresh on a few requests a minute.

`since` is the newest `updated_at` the server itself gave in a full listing or in an answer
to this question (never ohtop's clock, never a per-id poll: those could skip past changes not
yet read); the first question after it moved goes back `MARGIN` before it, for writes
committed after their stamp, and the next ones start just after it. A server that refuses
the filter (400/422: older releases) is asked no more and is polled per id as before. More
changes than `PAGES` pages ask for a full listing instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from tui.client.errors import ApiError
from tui.client.sources import AnyConversation, ConversationSource, V1AppSource
from tui.sync.polling import PollIntervals

log = logging.getLogger(__name__)
MARGIN = timedelta(seconds=10)
STEP = timedelta(microseconds=1)  # the server's stamps have microseconds
PAGES = 10  # 1,000 changes between two questions; beyond that a full listing is cheaper
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Delta:
    """The "what changed" question of one server, and the intervals it allows."""

    def __init__(self, intervals: PollIntervals) -> None:
        self.intervals = intervals
        self.asking = intervals.in_delta()  # made once: asked for at every reschedule
        self.refused = False  # the server does not take the filter
        self.since: datetime | None = None  # None: no full listing yet
        self.next_at = 0.0
        self.asked = 0  # questions asked (tests, benchmarks)
        self._listing: datetime | None = None
        # After a question overflowed and a full listing followed, questions do not reach back
        # before that listing's newest stamp: many conversations stamped within the margin of
        # it (a bulk import) would overflow every question, and re-list for ever.
        self.floor: datetime | None = None
        self._overflowed = False
        self._asked_since: datetime | None = None  # `since` when the last question was asked

    def works_for(self, source: ConversationSource | None) -> bool:
        """Whether this server is asked what changed."""
        return isinstance(source, V1AppSource) and self.intervals.delta > 0 and not self.refused

    def per_id(self, source: ConversationSource | None) -> PollIntervals:
        """The intervals of per-id polls and the full listing for this server now."""
        active = self.works_for(source) and self.since is not None
        return self.asking if active else self.intervals

    def listed(self, items: Iterable[AnyConversation]) -> None:
        """A page of a full listing: its newest stamp counts."""
        self._listing = _newest(items, self._listing)

    def listing_done(self, now: float) -> None:
        """A full listing ended: ask what changed from its newest stamp on."""
        newest = self._listing or EPOCH
        self.since = max(self.since, newest) if self.since is not None else newest
        if self._overflowed:
            self.floor, self._overflowed = newest, False
        self._listing = None
        self.next_at = now + self.intervals.delta

    def due(self, source: ConversationSource | None, now: float) -> bool:
        """Whether to ask now."""
        return self.works_for(source) and self.since is not None and now >= self.next_at

    async def read(
        self, source: ConversationSource | None, now: float
    ) -> tuple[list[AnyConversation], int, bool]:
        """What changed since the last answer (less the margin): the conversations, the count
        rejected, and whether more were left than one question reads."""
        assert isinstance(source, V1AppSource) and self.since is not None
        self.next_at = now + self.intervals.delta
        self.asked += 1
        start = self.since - MARGIN
        if self._asked_since == self.since:
            # Nothing newer came: the margin behind `since` was read again at the last
            # question, a whole interval ago; reading it again would only repeat a cluster of
            # conversations stamped together, at every question.
            start = self.since + STEP
        if self.floor is not None and start < self.floor:
            start = self.floor
        self._asked_since = self.since
        try:
            items, rejected, more = await source.changed_since(start, PAGES)
        except ApiError as exc:
            if exc.status in (400, 422):
                log.warning("%s: updated_at__gte refused (%s); polling per id", source, exc)
                self.refused = True
                return [], 0, False
            raise
        newest = _newest(items, None)
        if newest is not None and newest > self.since:
            self.since = newest
        self._overflowed = self._overflowed or more
        return items, rejected, more


def _newest(items: Iterable[AnyConversation], start: datetime | None) -> datetime | None:
    newest = start
    for item in items:
        stamp = getattr(item, "updated_at", None)
        if isinstance(stamp, datetime) and (newest is None or stamp > newest):
            newest = stamp
    return newest
