"""Cost and token metrics as the app server and agent server report them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from tui.protocol.base import finite, record, validate

MAX_COUNT = 10**15  # more tokens than any real conversation: a bogus value, read as unknown


def _number(value: Any) -> float:
    """A cost: finite and not negative, else 0 (NaN or a string must not sink the item)."""
    number = finite(value)
    return number if number is not None and number >= 0 else 0.0


def _count(value: Any) -> int:
    """A token count: a finite, non-negative, bounded integer, else 0."""
    number = finite(value)
    return int(number) if number is not None and 0 <= number <= MAX_COUNT else 0


Number = Annotated[float, BeforeValidator(_number)]
Count = Annotated[int, BeforeValidator(_count)]


@record
class TokenUsage:
    """Accumulated token usage of one model (the counts ohtop shows; the rest are skipped)."""

    prompt_tokens: Count = 0
    completion_tokens: Count = 0


@record
class MetricsSnapshot:
    """`MetricsSnapshot`: accumulated cost and tokens."""

    accumulated_cost: Number = 0.0
    accumulated_token_usage: TokenUsage | None = None

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens."""
        u = self.accumulated_token_usage
        return u.prompt_tokens + u.completion_tokens if u else 0


class Usage:
    """Cost and tokens summed over several metrics snapshots."""

    __slots__ = ("cost", "tokens")

    def __init__(self, cost: float = 0.0, tokens: int = 0) -> None:
        self.cost = cost
        self.tokens = tokens

    @classmethod
    def total(cls, snapshots: list[MetricsSnapshot]) -> Usage:
        """Sum across usage ids, as the newer web frontend does."""
        return cls(sum(s.accumulated_cost for s in snapshots), sum(s.tokens for s in snapshots))


@record
class Stats:
    """Agent-server `stats`: accumulated metrics per usage id (histories are not read)."""

    usage_to_metrics: dict[str, MetricsSnapshot] | None = None

    @property
    def usage(self) -> Usage | None:
        """Cost and tokens summed over usage ids; None when the server sent no metrics."""
        per_usage = self.usage_to_metrics
        return None if per_usage is None else Usage.total(list(per_usage.values()))


def usage_from_stats(stats: Any) -> Usage | None:
    """Read `{"usage_to_metrics": {id: MetricsSnapshot}}` (agent-server `stats`) from a dict."""
    if not isinstance(stats, dict):
        return None
    per_usage = stats.get("usage_to_metrics")
    if not isinstance(per_usage, dict):
        return None
    snaps = [validate(MetricsSnapshot, v) for v in per_usage.values() if isinstance(v, dict)]
    return Usage.total(snaps)
