"""The first screen at once: the dashboard keeps the screen it drew, privately, per command
line; the next start of the same command line in a terminal of the same size draws it at
once, dimmed and headed "not live", and leaves it for the normal screen before any error."""

from __future__ import annotations

import fcntl
import os
import pty
import stat
import struct
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from tui import launch
from tui.settings.arguments import build_parser
from tui.start import first_frame

ROWS = ["counts", " ✖ ERROR    error   Fix the login test", " ● RUNNING  running Write docs"]


@pytest.fixture
def terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, TextIO]]:
    """A pseudo-terminal of 80x24 (what ohtop writes, read from its other end)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setitem(first_frame._state, "shown", False)
    monkeypatch.setitem(first_frame._state, "handed_over", False)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with open(slave, "w", encoding="utf-8", closefd=True) as out:
        yield master, out
    os.close(master)


def _read(master: int) -> str:
    return os.read(master, 65536).decode("utf-8", "replace")


def test_the_kept_screen_is_drawn_for_the_same_command_line(terminal: tuple[int, TextIO]) -> None:
    master, out = terminal
    key = first_frame.key(["--server", "prod=https://x"], "1.0")
    first_frame.save(key, ROWS, 80, 24, 0.0)
    assert stat.S_IMODE(first_frame.path().stat().st_mode) == 0o600  # titles are private
    assert first_frame.show(key, out)
    drawn = _read(master)
    assert drawn.startswith(first_frame.ENTER)  # the alternate screen, as the dashboard
    assert "starting: the screen as last seen at" in drawn and "not live" in drawn
    assert "Fix the login test" in drawn and "counts" not in drawn  # the header is replaced
    first_frame.leave(out)
    assert _read(master) == first_frame.LEAVE


def test_another_command_line_size_or_version_draws_nothing(
    terminal: tuple[int, TextIO],
) -> None:
    _master, out = terminal
    key = first_frame.key(["--server", "prod=https://x"], "1.0")
    first_frame.save(key, ROWS, 80, 24, 0.0)
    assert not first_frame.show(first_frame.key(["--server", "dev=https://y"], "1.0"), out)
    assert not first_frame.show(first_frame.key(["--server", "prod=https://x"], "1.1"), out)
    first_frame.save(key, ROWS, 120, 40, 0.0)
    assert not first_frame.show(key, out)


def test_once_the_dashboard_took_over_nothing_is_left_to_undo(
    terminal: tuple[int, TextIO],
) -> None:
    master, out = terminal
    key = first_frame.key([], "1.0")
    first_frame.save(key, ROWS, 80, 24, 0.0)
    assert first_frame.show(key, out)
    _read(master)
    first_frame.handed_over()
    first_frame.leave(out)
    os.write(out.fileno(), b".")
    assert _read(master) == "."  # no second switch of screens


def test_only_the_live_dashboard_draws_a_kept_screen() -> None:
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    assert (
        subcommands is not None and set(subcommands) == launch.SUBCOMMANDS
    )  # cannot drift from the parser
    assert launch.draws_a_kept_frame(["--server", "prod=https://x", "--theme", "nord"])
    for argv in (["status"], ["--demo"], ["--at", "03:12"], ["--at=03:12"], ["--version"]):
        assert not launch.draws_a_kept_frame(argv), argv
