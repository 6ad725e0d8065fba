"""ohtop's version, as installed (`ohtop --version`, the man page, whose frame is kept)."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    """The installed distribution's version ("unknown" from a tree never installed)."""
    try:
        return metadata.version("ohtop")
    except metadata.PackageNotFoundError:
        return "unknown"
