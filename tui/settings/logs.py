"""Logging to a file in the platform's state directory (never the terminal the TUI owns)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tui.history.files import create_private, private_dir, state_dir, tighten, tighten_all

LEVELS = ("debug", "info", "warning", "error")


class PrivateRotatingHandler(RotatingFileHandler):
    """A rotating log whose every file (the backups too) is readable by its owner only."""

    def _open(self):  # type: ignore[no-untyped-def]  # logging's own signature
        create_private(Path(self.baseFilename))
        return super()._open()

    def doRollover(self) -> None:
        super().doRollover()
        for n in range(1, self.backupCount + 1):
            tighten(Path(f"{self.baseFilename}.{n}"))


def setup(level: str, path: Path | None = None) -> Path:
    """Send ohtop's log records to a rotating file (private, as the folder); returns its
    path."""
    path = path or state_dir() / "ohtop.log"
    private_dir(path.parent)
    tighten_all(*(Path(f"{path}.{n}") for n in (1, 2)))
    handler = PrivateRotatingHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("tui")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    return path
