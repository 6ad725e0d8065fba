"""ohtop's own files are private: they hold titles, errors, ids and links of other people's
work. Folders 0700, files 0600, whatever the umask; files left from before are tightened at
start (and a file that cannot be is said once)."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def state_dir() -> Path:
    """Where ohtop keeps its files: the XDG state dir on Linux, Logs on macOS,
    %LOCALAPPDATA% on Windows."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "ohtop"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "ohtop"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "ohtop"


def private_dir(path: Path) -> Path:
    """`path` made (with its missing parents) and kept 0700; its parents are left as they
    are (they are the user's, like ~/.local/state)."""
    path.mkdir(parents=True, exist_ok=True)
    tighten(path)
    return path


def tighten(path: Path) -> str | None:
    """Take group and other access off one of ohtop's files or folders; says why not, when it
    cannot (another user's file, a read-only place), else None."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    wanted = DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE
    if stat.S_IMODE(mode) & 0o077 == 0:
        return None
    try:
        os.chmod(path, stat.S_IMODE(mode) & wanted)
    except OSError as exc:
        return f"{path} is readable by other users and cannot be made private: {exc.strerror}"
    return None


def tighten_all(*paths: Path) -> list[str]:
    """`tighten` each path that exists; the problems, one line each."""
    return [p for p in (tighten(path) for path in paths) if p is not None]


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (before a library opens it
    with the umask's mode), and tighten it if it does."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    tighten(path)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    tighten(path)
