"""`ohtop report ID [--format md|json] [-o FILE]`: one conversation's triage report, printed or
written to a private file; exit codes like `ohtop wait`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from tui.fleet.lookup import lookup
from tui.fleet.report import gather
from tui.headless.wait import verdict
from tui.history.files import write_private
from tui.session import open_fleet
from tui.session.codes import EXIT_OK, EXIT_UNREACHABLE
from tui.settings import Settings, UsageError
from tui.text.sanitize import clean


async def report_command(
    settings: Settings,
    conversation: str,
    fmt: str,
    output: Path | None,
    out: TextIO | None = None,
) -> int:
    """Write one conversation's report; exit codes like `ohtop wait` (0 done or still going,
    1 error/stuck, 2 unreachable or not found)."""
    out = out or sys.stdout
    async with open_fleet(settings, start=False, flaky_demo=False) as fleet:
        failures = await fleet.snapshot("none")
        key, why = lookup(fleet.stores, conversation)
        if key is None:
            for line in failures:
                sys.stderr.write(f"ohtop: {clean(line, 300)}\n")
            sys.stderr.write(f"ohtop: {why}\n")
            return EXIT_UNREACHABLE
        report = await gather(fleet, key)
        view = fleet.stores.status.get(key)
    text = report.json() if fmt == "json" else report.markdown()
    if output is None:
        out.write(text)
    else:
        try:
            write_private(output, text)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
        sys.stderr.write(f"ohtop: report written to {output}\n")
    code = verdict(view) if view is not None else EXIT_UNREACHABLE
    return EXIT_OK if code is None else code
