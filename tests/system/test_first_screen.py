"""The first screen at once, through a real terminal: a second start of the same `ohtop`
command line draws the screen the first one kept before anything else, then the live
dashboard draws over it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@contextmanager
def _process(argv: list[str], env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.launch", *argv],
        stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    try:
        yield master, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        os.close(master)


def _until(master: int, wanted: bytes, seconds: float) -> bytes:
    """What the terminal received until `wanted` arrived (and, after it, for `seconds`)."""
    seen, found_at = b"", None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if found_at is not None and time.monotonic() > found_at + seconds:
            return seen
        if select.select([master], [], [], 0.05)[0]:
            seen += os.read(master, 65536)
            if found_at is None and wanted in seen:
                found_at = time.monotonic()
    raise AssertionError(f"{wanted!r} never came: {seen[-400:]!r}")


def test_a_second_start_draws_the_kept_screen_first(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "XDG_STATE_HOME": str(tmp_path)}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.launch", "demo-server", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        argv = ["--server", f"demo=http://127.0.0.1:{port}", "--no-history"]
        with _process(argv, env) as (master, _proc):
            first = _until(master, b"39 conversations", seconds=2.5)  # kept at its first tick
        assert b"not live" not in first  # nothing was kept before it
        assert (tmp_path / "ohtop" / "last-frame.json").exists()
        with _process(argv, env) as (master, _proc):
            second = _until(master, b"39 conversations", seconds=0.0)
        kept = second.index(b"the screen as last seen at")
        assert kept < second.index(b"39 conversations")  # before the live dashboard drew
        assert second.index(b"\x1b[?1049h") < kept  # on the alternate screen, as the live one
    finally:
        server.terminate()
        server.wait(timeout=20)
