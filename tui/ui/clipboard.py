"""Copy text: a clipboard tool when there is one, else the terminal's OSC 52."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

TOOLS = (("wl-copy",), ("xclip", "-selection", "clipboard"), ("xsel", "-ib"), ("pbcopy",))


def copy(text: str, osc52: Callable[[str], None]) -> str:
    """Copy `text`; returns how ("xclip", "OSC 52", ...)."""
    for tool in TOOLS:
        if shutil.which(tool[0]):
            try:
                subprocess.run(tool, input=text.encode(), check=True, timeout=3)
                return tool[0]
            except (OSError, subprocess.SubprocessError):
                continue
    osc52(text)  # Textual's App.copy_to_clipboard writes the OSC 52 sequence
    return "OSC 52"
