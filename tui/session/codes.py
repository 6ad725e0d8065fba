"""Exit codes shared by the headless commands."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0  # done: listed everything / the conversation finished or stopped
EXIT_FAILED: Final = 1  # the conversation ended in error or is stuck
EXIT_UNREACHABLE: Final = 2  # a server could not be read, or the conversation is not there
EXIT_TIMEOUT: Final = 3
