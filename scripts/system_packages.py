"""`make system`: the Debian programs some tests need, installed when missing and possible (as
root, with apt-get). It never fails the build: a program it could not install makes its tests
skip, and the tests say which program and why (tests/system/programs.py).

    python scripts/system_packages.py PROGRAM=PACKAGE ...
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

APT_TIMEOUT = 900
STATUS = ".system-packages"  # why a package is missing, for the tests that need it


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args], capture_output=True, text=True, timeout=APT_TIMEOUT, env=env
    )


def install(wanted: dict[str, str]) -> dict[str, str]:
    """Install the packages of the missing programs; returns why each still missing is."""
    missing = {p: pkg for p, pkg in wanted.items() if shutil.which(p) is None}
    packages = sorted(set(missing.values()))
    if not packages:
        return {}
    if shutil.which("apt-get") is None:
        return {p: f"no apt-get to install {pkg}" for p, pkg in missing.items()}
    if os.geteuid() != 0:
        return {p: f"installing {pkg} needs root (apt-get)" for p, pkg in missing.items()}
    print(f"make system: apt-get install {' '.join(packages)}", flush=True)
    done = _apt("install", "-y", "-q", *packages)
    if done.returncode != 0:  # a fresh machine may not have package lists yet
        _apt("update", "-q")
        done = _apt("install", "-y", "-q", *packages)
    tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
    return {
        p: f"apt-get install {pkg} failed: {tail}"
        for p, pkg in missing.items()
        if shutil.which(p) is None
    }


def main(args: list[str]) -> None:
    wanted = dict(arg.split("=", 1) for arg in args)
    why = install(wanted)
    with open(STATUS, "w", encoding="utf-8") as out:
        for program, reason in sorted(why.items()):
            out.write(f"{program}\t{reason}\n")
            print(f"make system: {program} not installed: {reason}")
    for program in sorted(set(wanted) - set(why)):
        print(f"make system: {program} at {shutil.which(program)}")


if __name__ == "__main__":
    main(sys.argv[1:])
