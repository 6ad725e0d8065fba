"""`ohtop config check`: every problem of the config file, from every stage, with its place.

Stages: the file itself (TOML, known settings, values), the [keys] table (unknown actions, a
key bound to two actions of one screen), the servers' credentials (variables set, key files
readable), and the file's permissions. A stage with problems does not hide the next ones.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from tui.config import ConfigError, load, permission_warning, resolve_servers
from tui.keymap import DASHBOARD, DETAIL, clashes, names, remap
from tui.settings import config_path


def config_check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Say exactly what is wrong and where, or that all is well; exit 1 on any problem."""
    out = out or sys.stdout
    path, _asked = config_path(args, os.environ)
    if not path.exists():
        out.write(f"ohtop: {path}: no such file (ohtop runs on defaults without one)\n")
        return 1
    problems: list[str] = []
    try:
        config = load(path)  # actions are checked below, with the clashes
    except ConfigError as exc:
        for problem in exc.problems:
            out.write(f"{exc.path}: {problem}\n")
        return 1
    known = names()
    problems += [
        f"keys.{name}: no such action; known: {', '.join(sorted(known))}"
        for name in config.keys
        if name not in known
    ]
    keymap = {k: v for k, v in config.keys.items() if k in known}
    for screen, actions in (("dashboard", DASHBOARD), ("detail", DETAIL)):
        problems += [f"keys: on the {screen}, {c}" for c in clashes(remap(actions, keymap))]
    _, server_problems = resolve_servers(config)
    problems += server_problems
    for problem in problems:
        out.write(f"{path}: {problem}\n")
    if (warning := permission_warning(path)) is not None:
        out.write(f"warning: {warning}\n")
    if problems:
        return 1
    out.write(f"ok: {path}: {len(config.servers)} server(s), theme {config.theme}\n")
    return 0
