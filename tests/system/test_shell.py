"""Completion scripts and the man page, both generated from the one argument parser: each
script parses in its shell and completes a subcommand and an option; `man -l` renders the
committed page, which is what the parser says today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.system.programs import require

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "man" / "ohtop.1"


def _script(shell: str, tmp_path: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "completion", shell],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    path = tmp_path / f"ohtop.{shell}"
    path.write_text(done.stdout, encoding="utf-8")
    return path


def _bash_complete(script: Path, *words: str) -> list[str]:
    line = " ".join(words)
    code = (
        f"source {script}\n"
        f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'\n"
        f"COMP_POINT={len(line)}\n"
        "_shtab_ohtop\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_bash_completes_a_subcommand_and_an_option(tmp_path: Path) -> None:
    script = _script("bash", tmp_path)
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert _bash_complete(script, "ohtop", "sta") == ["status"]
    assert "--json" in _bash_complete(script, "ohtop", "status", "--js")
    assert "okabe-ito" in _bash_complete(script, "ohtop", "--theme", "oka")


def test_zsh_script_parses(tmp_path: Path) -> None:
    zsh = require("zsh", "zsh")
    script = _script("zsh", tmp_path)
    done = subprocess.run([zsh, "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_fish_completes_a_subcommand_and_an_option(tmp_path: Path) -> None:
    fish = require("fish", "fish")
    script = _script("fish", tmp_path)
    assert subprocess.run([fish, "--no-execute", str(script)]).returncode == 0

    def complete(line: str) -> list[str]:
        code = f"source {script}; complete -C '{line}'"
        done = subprocess.run([fish, "-c", code], capture_output=True, text=True, check=True)
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert "status" in complete("ohtop sta")
    assert "--json" in complete("ohtop status --js")


def test_man_renders_the_committed_page_and_it_is_current() -> None:
    man = require("man", "man-db")
    env = {**os.environ, "MANPAGER": "cat", "MANWIDTH": "100", "LC_ALL": "C.UTF-8"}
    done = subprocess.run([man, "-l", str(PAGE)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("OHTOP(1)") and "ohtop completion" in text and "--theme" in text
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "manpage.py"), "--check"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert check.returncode == 0, "man/ohtop.1 is out of date: run scripts/manpage.py"


@pytest.mark.parametrize("shell", ["tcsh", "powershell"])
def test_only_the_three_shells_are_offered(shell: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "completion", shell], capture_output=True, text=True
    )
    assert done.returncode == 2 and "invalid choice" in done.stderr
