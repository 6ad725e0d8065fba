"""System programs some tests need (Debian's prometheus, chromium): installed when missing and
possible (as root, with apt-get), else the test is skipped saying exactly why."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

APT_TIMEOUT = 900


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args], capture_output=True, text=True, timeout=APT_TIMEOUT, env=env
    )


def require(program: str, package: str) -> str:
    """The path of `program`, installing Debian's `package` if it is missing and we can."""
    found = shutil.which(program)
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip(f"{program} is not installed and there is no apt-get to install {package}")
    if os.geteuid() != 0:
        pytest.skip(f"{program} is not installed; installing {package} needs root (apt-get)")
    done = _apt("install", "-y", "-q", package)
    if done.returncode != 0:  # a fresh machine may not have package lists yet
        _apt("update", "-q")
        done = _apt("install", "-y", "-q", package)
    found = shutil.which(program)
    if not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        pytest.skip(f"apt-get install {package} failed: {' / '.join(tail)}")
    return found
