"""Server load: requests a minute to keep N conversations fresh at the default intervals."""

from __future__ import annotations

from collections.abc import Mapping

from tui.client.sources import BATCH_LIMIT
from tui.sync.polling import PollIntervals

# A plausible mix for a big deployment: most conversations settled, some live.
MIX = {"RUNNING": 0.15, "STARTING": 0.02, "ERROR": 0.05, "STOPPED": 0.60, "ARCHIVED": 0.18}


SEED = PollIntervals()  # the default intervals (the web UI's)


def polls_per_minute(counts: Mapping[str, float], intervals: PollIntervals = SEED) -> float:
    """Polls a minute for these many conversations per status, one per interval each."""
    total = 0.0
    for status, n in counts.items():
        every = intervals.base(status)
        total += n * 60 / every if every else 0.0
    return total


def per_minute(n: int, batched: bool, intervals: PollIntervals = SEED) -> float:
    """Requests a minute: one per conversation per interval (web UI style) or 99-id batches."""
    polls = polls_per_minute({status: n * share for status, share in MIX.items()}, intervals)
    discovery = (n / 100) * 60 / intervals.discover  # listing pages of 100
    return (polls / BATCH_LIMIT if batched else polls) + discovery


def run() -> None:
    print(
        "\n2. Server load (requests per minute, status mix "
        + ", ".join(f"{k} {v:.0%}" for k, v in MIX.items())
        + ")"
    )
    for n in (1_000, 2_000, 10_000):
        each, ours = per_minute(n, batched=False), per_minute(n, batched=True)
        ratio = each / ours
        print(
            f"   {n:6,} conversations: one by one {each:9,.0f}/min   ohtop {ours:7,.1f}/min", end=""
        )
        print(f"   {ratio:5.0f}x fewer")
    print("   (batches of 99 ids; fresher only where it matters: streams carry RUNNING ones live)")
