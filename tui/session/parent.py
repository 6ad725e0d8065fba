"""A child process that must not outlive its parent (a browser tab's dashboard, which polls
servers with the user's keys): it watches the parent and ends itself when the parent is gone,
however the parent died (`kill -9` included)."""

from __future__ import annotations

import os
import signal
import threading
import time

PARENT_ENV = "OHTOP_WEB_PARENT"  # the pid a tab's dashboard watches
EVERY = 1.0  # seconds between looks
GRACE = 5.0  # seconds a polite end may take before the process is ended hard


def alive(pid: int) -> bool:
    """Whether process `pid` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch_parent(pid: int) -> threading.Thread:
    """End this process once `pid` is gone (or this process was handed to another parent):
    SIGTERM to itself, then, if it is still here after GRACE, at once."""
    start = os.getppid()

    def watch() -> None:
        while alive(pid) and os.getppid() in (start, pid):
            time.sleep(EVERY)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(GRACE)
        os._exit(1)

    thread = threading.Thread(target=watch, name="ohtop-parent-watch", daemon=True)
    thread.start()
    return thread
