"""Which servers one exporter of N watches (`ohtop exporter --shard I --total-shards N`).

A server belongs to shard `sha256(name) mod N`, the name being its label (the configured
`name`, else host:port with any path) and the digest's first 8 bytes read as a big-endian
unsigned integer. The hash depends on nothing but the name, so N exporters given one config
file split it into N disjoint parts that cover every server, whatever order the file lists
them in and on whichever machine each exporter runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tui.client.config import ServerConfig


def shard_of(name: str, total: int) -> int:
    """The shard (0 to total - 1) a server of this name belongs to."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total


@dataclass(frozen=True, slots=True)
class Shard:
    """One part of N: this exporter's ordinal and the number of parts."""

    ordinal: int = 0
    total: int = 1

    def __post_init__(self) -> None:
        if self.total < 1:
            raise ValueError(f"--total-shards must be 1 or more, not {self.total}")
        if not 0 <= self.ordinal < self.total:
            raise ValueError(
                f"--shard must be from 0 to {self.total - 1} (--total-shards {self.total}), "
                f"not {self.ordinal}"
            )

    def mine(self, servers: tuple[ServerConfig, ...]) -> tuple[ServerConfig, ...]:
        """The servers of this shard, in the order given."""
        return tuple(s for s in servers if shard_of(s.label, self.total) == self.ordinal)
