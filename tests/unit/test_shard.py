"""Sharding the exporter: N shards given one list cover every server exactly once, whatever
the order; the hash is the documented one; bad options get a clear message; each exporter
says which shard it is."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tui.client.config import ServerConfig
from tui.exporter.command import shard_of_args
from tui.fleet.fleet import Fleet
from tui.fleet.metrics import registry_for, render, snapshot
from tui.settings import UsageError
from tui.settings.shard import Shard, shard_of

names = st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=40, unique=True)


@given(names, st.integers(min_value=1, max_value=9))
def test_the_shards_partition_every_list(labels: list[str], total: int) -> None:
    servers = tuple(ServerConfig(f"http://127.0.0.1:{i + 1}", name=n) for i, n in enumerate(labels))
    parts = [Shard(i, total).mine(servers) for i in range(total)]
    seen = [s.label for part in parts for s in part]
    assert sorted(seen) == sorted(labels)  # every server, once
    reordered = tuple(reversed(servers))
    assert [set(Shard(i, total).mine(reordered)) for i in range(total)] == [set(p) for p in parts]


def test_the_hash_is_the_documented_one() -> None:
    digest = hashlib.sha256(b"prod-eu").digest()
    assert shard_of("prod-eu", 7) == int.from_bytes(digest[:8], "big") % 7
    assert shard_of("prod-eu", 1) == 0


def test_bad_shard_options_say_what_is_wrong() -> None:
    with pytest.raises(UsageError, match="--shard must be from 0 to 3"):
        shard_of_args(4, 4)
    with pytest.raises(UsageError, match="--total-shards must be 1 or more"):
        shard_of_args(0, 0)
    assert shard_of_args(2, 4) == Shard(2, 4)


def test_each_exporter_says_which_shard_it_is() -> None:
    fleet = Fleet([ServerConfig("http://127.0.0.1:1", name="a")])
    text = render(snapshot(fleet), shard=(2, 4)).decode()
    samples = {
        s.name: (s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples["ohtop_shard_ordinal"] == ({"shard": "2"}, 2.0)
    assert samples["ohtop_total_shards"] == ({}, 4.0)
    unsharded = generate_latest(registry_for(fleet)).decode()
    assert "ohtop_total_shards 1.0" in unsharded
