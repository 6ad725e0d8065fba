"""The fleet at a moment, from the history store: each conversation's last view written at or
before it, none after it was forgotten; `ohtop status --at` prints it as `status` prints the
live fleet; moments are written as people write them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import view
from tui.cli import main
from tui.history.store import HistoryStore
from tui.settings import UsageError
from tui.settings.moment import parse_moment


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def _kept(path: Path) -> None:
    clock = Clock(1_000.0)
    store = HistoryStore(path, wall=clock)
    store.start()
    a, b = "a" * 32, "b" * 32
    store.seen(view(a, "RUNNING", "running", title="first", session_api_key="k1"))
    clock.at = 1_100.0
    store.seen(view(a, "ERROR", "error", title="first", cost=1.5))
    clock.at = 1_150.0
    store.seen(view(b, "STARTING", None, title="second"))
    clock.at = 1_200.0
    store.forget(("demo", a))
    store.close()


def test_each_moment_has_the_views_written_by_then(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _kept(path)
    store = HistoryStore(path, readonly=True)
    try:

        def at(moment: float) -> dict[str, tuple[str, float | None]]:
            return {v.id[0]: (v.status, v.cost) for v in store.fleet_at(moment)}

        assert at(999.0) == {}
        assert at(1_000.0) == {"a": ("RUNNING", None)}
        assert at(1_099.9) == {"a": ("RUNNING", None)}
        assert at(1_100.0) == {"a": ("ERROR", 1.5)}
        assert at(1_160.0) == {"a": ("ERROR", 1.5), "b": ("STARTING", None)}
        assert at(1_200.0) == {"b": ("STARTING", None)}  # forgotten: its server lost it
        first = store.fleet_at(1_000.0)[0]
        assert not first.stale and first.session_api_key == "***"  # masked, as live output
        assert store.moments() == (1_000.0, 1_200.0)
    finally:
        store.close()


def test_status_at_prints_the_fleet_then(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "history.sqlite3"
    _kept(path)
    config = tmp_path / "config.toml"
    config.write_text(f'[history]\npath = "{path}"\n')
    moment = datetime.fromtimestamp(1_160.0, UTC).isoformat()
    assert main(["status", "--config", str(config), "--at", moment, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert [(d["id"][0], d["status"], d["cost"]) for d in said] == [
        ("a", "ERROR", 1.5),
        ("b", "STARTING", None),
    ]
    assert main(["status", "--config", str(config), "--at", moment]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "As the history store saw it at 1970-01-01 00:19:20 UTC"
    assert table[-1] == "2 conversations: STARTING 1, ERROR 1"
    early = datetime.fromtimestamp(500.0, UTC).isoformat()
    assert main(["status", "--config", str(config), "--at", early]) == 2
    assert "it starts at 1970-01-01 00:16:40 UTC" in capsys.readouterr().err
    # The dashboard says so before it starts, not on an empty screen.
    assert main(["--config", str(config), "--at", early]) == 2
    assert "no fleet at 1970-01-01 00:08:20 UTC" in capsys.readouterr().err


def test_moments_are_written_as_people_write_them() -> None:
    now = datetime(2026, 12, 7, 11, 0, 0).timestamp()  # local time, as a terminal shows it
    assert parse_moment("90m", now) == now - 5400
    assert parse_moment("2h ago", now) == now - 7200
    assert parse_moment("03:12", now) == datetime(2026, 12, 7, 3, 12).timestamp()
    assert parse_moment("23:30", now) == datetime(2026, 12, 6, 23, 30).timestamp()  # last one
    assert parse_moment("2026-12-07 03:12", now) == datetime(2026, 12, 7, 3, 12).timestamp()
    utc = datetime(2026, 12, 7, 3, 12, tzinfo=UTC).timestamp()
    assert parse_moment("2026-12-07T03:12:00+00:00", now) == utc
    for wrong in ("yesterday", "25:00", "3 fortnights"):
        with pytest.raises(UsageError, match="--at"):
            parse_moment(wrong, now)
