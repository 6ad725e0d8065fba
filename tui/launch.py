"""The `ohtop` command: the screen kept from the last run of the same command line at once
(`first_frame`), then everything else is imported and runs (`cli`)."""

from __future__ import annotations

import os
import sys

from tui.start import first_frame
from tui.start.version import version

SUBCOMMANDS = frozenset(
    [
        "status",
        "watch",
        "wait",
        "exporter",
        "web",
        "report",
        "history",
        "act",
        "config",
        "completion",
        "demo-server",
    ]
)
TAB_ENV = "OHTOP_TAB_SETTINGS"  # a browser tab's dashboard (tui.settings.wire): not here


def draws_a_kept_frame(argv: list[str]) -> bool:
    """The dashboard over live servers, in a terminal: not a subcommand, the demo (it keeps
    no history), a moment of the past (`--at`), or a browser tab."""
    if any(a in SUBCOMMANDS for a in argv) or os.environ.get(TAB_ENV):
        return False
    return not any(
        a in ("--demo", "-h", "--help", "--version") or a.startswith("--at") for a in argv
    )


def main() -> int:
    argv = sys.argv[1:]
    if draws_a_kept_frame(argv):
        first_frame.show(first_frame.key(argv, version()))
    try:
        from tui.cli import main as run

        return run(argv)
    except BaseException:
        first_frame.leave()  # what is said next is said on the normal screen
        raise


if __name__ == "__main__":
    sys.exit(main())
