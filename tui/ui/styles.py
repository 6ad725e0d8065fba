"""Where the TCSS files are: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the tui package


def styles_dir() -> Path:
    """`tui/styles` in a wheel install; `styles/` beside `tui/` in an editable checkout."""
    for candidate in (_PACKAGE / "styles", _PACKAGE.parent / "styles"):
        if (candidate / "ohtop.tcss").is_file():
            return candidate
    raise FileNotFoundError("ohtop.tcss not found: the installation is incomplete")


def css_paths() -> list[Path]:
    """Every stylesheet the app loads."""
    return sorted(styles_dir().glob("*.tcss"))
