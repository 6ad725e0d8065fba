"""`ohtop status --at TIME`: the fleet as the history store saw it then (statuses, errors,
cost; the totals line counts them), printed as `status` prints the live one. Read-only: no
server is asked."""

from __future__ import annotations

import os
import sys
from argparse import Namespace
from typing import TextIO

from tui.headless.serialize import view_to_dict
from tui.headless.status import ordered_views, print_table
from tui.session.codes import EXIT_OK, EXIT_UNREACHABLE
from tui.session.replay import Replay
from tui.settings import UsageError, config_path, history_path, load_config
from tui.settings.moment import parse_moment
from tui.text.sanitize import safe_json


def status_at_command(args: Namespace, out: TextIO | None = None) -> int:
    """Print the fleet at `args.at` (exit 2 when the store has nothing for it)."""
    out = out or sys.stdout
    try:
        moment = parse_moment(args.at)
        replay = Replay(history_path(args, load_config(*config_path(args, os.environ))))
        try:
            views, said = replay.at(moment)
        finally:
            replay.close()
    except UsageError as exc:
        sys.stderr.write(f"ohtop: {exc}\n")
        return EXIT_UNREACHABLE
    views = ordered_views(views)
    if args.json:
        out.write(safe_json([view_to_dict(v) for v in views], indent=2) + "\n")
    else:
        out.write(said + "\n")
        print_table(views, out, len({v.server for v in views}))
    return EXIT_OK
