"""Alert hooks: a configured command runs for each alert with the alert as JSON on stdin
(`[alerts] command = ["notify-send", "ohtop"]`). Bounded: a few at a time, a deadline each
(killed past it), a bounded backlog; never on the UI's path. A failing hook is reported in the
recent-errors view; ohtop goes on. No Textual here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from tui.client.secrets import redact
from tui.state.alerts import Alert
from tui.state.error_store import ErrorStore

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

    def __call__(self, alert: Alert) -> None:
        """An alert was raised: run the hook for it, soon (never here and now)."""
        if len(self._tasks) >= BACKLOG:
            self.failed += 1
            self.errors.add("hooks", "hook", f"alert hook backlog full: {alert.what} dropped")
            return
        task = asyncio.ensure_future(self._run(alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, alert: Alert) -> None:
        async with self._gate:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *self.command,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
            except OSError as exc:
                self._fail(f"cannot run {self.command[0]}: {exc.strerror or exc}")
                return
            try:
                async with asyncio.timeout(self.timeout):
                    _, stderr = await proc.communicate(alert_json(alert).encode())
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
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
        """Wait briefly for running hooks, then cancel the rest."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.timeout)
        for task in list(self._tasks):
            task.cancel()
