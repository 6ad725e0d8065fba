"""Alert hooks: a configured command runs for each alert with the alert as JSON on stdin
(`[alerts] command = ["notify-send", "ohtop"]`). Bounded: a few at a time, a deadline each
(killed past it), a bounded backlog; never on the UI's path. A failing hook is reported in the
recent-errors view; ohtop goes on. No Textual here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime

from tui.alerts.watcher import Alert
from tui.client.secrets import redact
from tui.store.error_store import ErrorStore

log = logging.getLogger(__name__)
CONCURRENCY = 2
TIMEOUT = 10.0
BACKLOG = 100  # alerts waiting for a hook; more are dropped (and said)


def alert_json(alert: Alert) -> str:
    """The alert as a hook reads it on stdin."""
    return redact(
        json.dumps(
            {
                "server": alert.key[0],
                "conversation": alert.key[1],
                "title": alert.title,
                "what": alert.what,
                "detail": alert.detail,
                "code": alert.code,
                "at": datetime.fromtimestamp(alert.at, UTC).isoformat(),
            },
            ensure_ascii=False,
        )
    )


class AlertHooks:
    """Runs `command` once per alert."""

    def __init__(
        self,
        command: Sequence[str],
        errors: ErrorStore,
        *,
        timeout: float = TIMEOUT,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.command = list(command)
        self.errors = errors
        self.timeout = timeout
        self._gate = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self.ran = 0
        self.failed = 0
        self.dropped = 0  # alerts no hook ran for: the backlog was full
        self._running: dict[int, asyncio.subprocess.Process] = {}

    def __call__(self, alert: Alert) -> None:
        """An alert was raised: run the hook for it, soon (never here and now)."""
        if len(self._tasks) >= BACKLOG:
            self.dropped += 1
            self.errors.add(
                "hooks", "hook", f"alert hook backlog full: {alert.what} dropped ({self.dropped})"
            )
            return
        task = asyncio.ensure_future(self._run(alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, alert: Alert) -> None:
        async with self._gate:
            try:
                # A group of its own: the deadline ends the hook and whatever it started.
                proc = await asyncio.create_subprocess_exec(
                    *self.command,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                    start_new_session=True,
                )
            except OSError as exc:
                self._fail(f"cannot run {self.command[0]}: {exc.strerror or exc}")
                return
            self._running[proc.pid] = proc
            try:
                await self._feed(proc, alert)
            finally:
                self._running.pop(proc.pid, None)

    async def _feed(self, proc: asyncio.subprocess.Process, alert: Alert) -> None:
        """Give the hook its alert and wait for it, up to the deadline; past it, end its whole
        process group and stop listening to its pipes (a child that inherited them must not
        keep this slot)."""
        try:
            async with asyncio.timeout(self.timeout):
                _, stderr = await proc.communicate(alert_json(alert).encode())
        except TimeoutError:
            _end_group(proc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):  # the hook itself is gone at once
                    await proc.wait()
            self._fail(f"{self.command[0]} took more than {self.timeout:g}s; killed")
            return
        self.ran += 1
        if proc.returncode:
            said = stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            self._fail(f"{self.command[0]} exited {proc.returncode}: {said[0][:160]}")

    def _fail(self, message: str) -> None:
        self.failed += 1
        log.warning("alert hook: %s", message)
        self.errors.add("hooks", "hook", message)

    async def stop(self) -> None:
        """Wait briefly for running hooks, then end them (no hook outlives ohtop)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=min(self.timeout, 3.0))
        for proc in list(self._running.values()):
            _end_group(proc)
        for task in list(self._tasks):
            task.cancel()


def _end_group(proc: asyncio.subprocess.Process) -> None:
    """Kill a hook's process group (it leads one: `start_new_session`), and close our ends of
    its pipes so nothing waits on what its children inherited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    transport = getattr(proc, "_transport", None)
    if transport is not None:
        transport.close()
