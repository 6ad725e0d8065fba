"""The screen as plain text, every line as a person sees it (the whole stack composed, as
Textual's own screenshots draw it): kept for the next start (`tui.start.first_frame`)."""

from __future__ import annotations

import io
import time
from typing import Any

from rich.console import Console
from textual.app import App

from tui.start import first_frame


def screen_lines(app: App[Any]) -> list[str]:
    """Every line of the app's screen as plain text."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(  # Textual's own way to a screenshot
        full=True, screen_stack=app._background_screens
    )
    console.print(update)
    return console.export_text(styles=False).splitlines()


def keep(app: App[Any], frame_key: str) -> None:
    """The screen as drawn now, for the next start of the same command line."""
    width, height = app.size
    first_frame.save(frame_key, screen_lines(app), width, height, time.time())
