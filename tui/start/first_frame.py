"""The first screen at once. Python and Textual take a second or more to import and a big
history longer to read back; meanwhile the terminal would stay blank. The dashboard keeps the
last screen it drew (plain text, private, per command line); the next start with the same
command line, terminal size and version draws it, dimmed and headed as what it is (the screen
as last seen), before anything heavy is imported. The dashboard then draws over it.

Standard library only (plus ohtop's private files): this runs before the rest is imported.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from tui.history.files import create_private, private_dir, state_dir

NAME = "last-frame.json"
ENTER, LEAVE = "\x1b[?1049h\x1b[H\x1b[2J", "\x1b[?1049l"  # the alternate screen, as Textual
_state = {"shown": False, "handed_over": False}


def key(argv: Sequence[str], version: str) -> str:
    """Which command line a frame belongs to: the same arguments in the same folder (a
    relative config path), of the same version (the same parser: it cannot fail on them)."""
    text = "\0".join((version, os.getcwd(), *argv))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def path() -> Path:
    return state_dir() / NAME


def save(frame_key: str, lines: list[str], width: int, height: int, at: float) -> None:
    """Keep the screen just drawn (a failure to keep it is not worth a word)."""
    record = {"key": frame_key, "width": width, "height": height, "at": at, "lines": lines}
    target = path()
    with contextlib.suppress(OSError):
        private_dir(target.parent)
        scratch = target.with_suffix(".tmp")
        create_private(scratch)
        scratch.write_text(json.dumps(record), encoding="utf-8")
        scratch.replace(target)


def show(frame_key: str, out: TextIO | None = None) -> bool:
    """Draw the kept screen of this command line, if there is one of this terminal's size."""
    out = out or sys.stdout
    try:
        if not out.isatty():
            return False
        size = os.get_terminal_size(out.fileno())
        record = json.loads(path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (
        not isinstance(record, dict)
        or record.get("key") != frame_key
        or (record.get("width"), record.get("height")) != (size.columns, size.lines)
    ):
        return False
    lines = [str(line)[: size.columns] for line in record.get("lines", [])][: size.lines]
    if not lines:
        return False
    seen = time.strftime("%H:%M:%S", time.localtime(float(record.get("at", 0))))
    lines[0] = f" ~ starting: the screen as last seen at {seen}, not live"[: size.columns]
    _state["shown"] = True
    atexit.register(leave)
    out.write(ENTER + "\x1b[2m" + "\r\n".join(lines) + "\x1b[0m")
    out.flush()
    return True


def handed_over() -> None:
    """The dashboard owns the screen now (it leaves the alternate screen itself)."""
    _state["handed_over"] = True


def leave(out: TextIO | None = None) -> None:
    """Back to the normal screen before anything is said there (an error, a traceback), when
    a kept screen was drawn and the dashboard never took over."""
    if _state["shown"] and not _state["handed_over"]:
        _state["shown"] = False
        out = out or sys.stdout
        with contextlib.suppress(OSError, ValueError):
            out.write(LEAVE)
            out.flush()
