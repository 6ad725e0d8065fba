"""Time to the first useful screen, measured from outside: `ohtop` started in a terminal (a
pty of 160x45) with 10,000 conversations in its history store and a server that accepts
connections but never answers, until the terminal receives the first frame with rows.
Median of 10 starts, alternating: a first start (no screen kept from an earlier run), and a
returning user's (the screen the last run of the same command line kept: `first_frame`)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from bench import size
from bench.history import N, fill

RUNS = size(10, 1)
ROWS = b"Conversation "  # every stored title starts so: a row is on screen


def first_rows(
    config: Path, url: str, state: Path, timeout: float = 60.0, stay: float = 0.0
) -> float:
    """Seconds from the process start to the first bytes that draw a row (then `stay`
    seconds more: long enough, the run keeps its screen for the next)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XDG_STATE_HOME": str(state)}
    begun = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.launch", "--config", str(config), "--server", f"prod={url}"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - begun < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen = (seen + os.read(master, 65536))[-4096:]
                except OSError:
                    break
                if ROWS in seen:
                    took = time.perf_counter() - begun
                    _drain(master, stay)
                    return took
        raise RuntimeError(f"no rows within {timeout}s: {seen[-300:]!r}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def _drain(master: int, seconds: float) -> None:
    """Keep reading the terminal for `seconds` (a full pty would block the app)."""
    until = time.perf_counter() + seconds
    while (left := until - time.perf_counter()) > 0:
        if select.select([master], [], [], min(left, 0.1))[0]:
            try:
                os.read(master, 65536)
            except OSError:
                return


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1024)  # connections are taken by the kernel and never answered
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        store = Path(tmp) / "history.sqlite3"
        fill(store)
        config = Path(tmp) / "config.toml"
        config.write_text(f'[history]\npath = "{store}"\n', encoding="utf-8")
        state = Path(tmp) / "state"
        kept = state / "ohtop" / "last-frame.json"
        first_rows(config, url, state, stay=3.0)  # a run that keeps its screen
        fresh, returning = [], []
        for _ in range(RUNS):
            returning.append(first_rows(config, url, state, stay=2.0))
            saved = kept.read_bytes()
            kept.unlink()
            fresh.append(first_rows(config, url, state))
            kept.write_bytes(saved)
    print("\n15. Time to the first useful screen")
    print(f"   {N:,} conversations in the history store, the server silent; first frame with rows:")
    for name, times in (("first start", fresh), ("returning user", returning)):
        print(
            f"   {name:<15} median {statistics.median(times) * 1000:5.0f} ms, spread "
            f"{min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms over {RUNS} starts"
        )
    print("   (target < 500 ms)")


if __name__ == "__main__":
    run()
