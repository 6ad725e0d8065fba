"""System programs some tests need (Debian's prometheus, chromium): `make system` installs them
when missing and possible (`make test` runs it first); a test whose program is missing is
skipped, saying exactly why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATUS = ROOT / ".system-packages"  # written by `make system`: why a program is missing


def require(program: str, package: str) -> str:
    """The path of `program`; skips the test, saying why, when it is not installed."""
    found = shutil.which(program)
    if found:
        return found
    reasons = {}
    if STATUS.exists():
        for line in STATUS.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("\t")
            reasons[name] = reason
    why = reasons.get(program, f"run `make system` to install Debian's {package}")
    pytest.skip(f"{program} is not installed: {why}")
