"""Layering and packaging: the core runs without Textual; a built wheel carries its styles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CORE = [
    "tui.protocol.base",
    "tui.protocol.conversations",
    "tui.protocol.events",
    "tui.protocol.session",
    "tui.client.rest",
    "tui.client.detect",
    "tui.client.sources",
    "tui.sync.monitor",
    "tui.store.stores",
    "tui.store.mapping",
    "tui.demo.server",
    "tui.fleet.fleet",
    "tui.headless.status",
    "tui.headless.watch",
    "tui.headless.wait",
    "tui.headless.serialize",
    "tui.settings",
    "tui.session",
    "tui.settings.check",
    "tui.settings.keymap",
    "tui.cli",
]


def test_core_imports_with_textual_and_rich_blocked() -> None:
    code = (
        "import sys\n"
        "sys.modules['textual'] = None\n"
        "sys.modules['rich'] = None\n"
        f"for name in {CORE!r}:\n"
        "    __import__(name)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this repository (not the editable install)."""
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    return next(dist.glob("ohtop-*.whl"))


def _dev_tool(name: str) -> str:
    """A program the dev dependencies installed beside this Python."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found is not None, f"{name} is a dev dependency"
    return found


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user who never cloned the repository."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "NO_COLOR")
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def _runs_as_a_tool(ohtop: Path, home: Path, env: dict[str, str]) -> None:
    """--version, `status --demo --json`, and the dashboard with rows in a terminal."""
    version = subprocess.run([str(ohtop), "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and version.stdout.startswith("ohtop "), version.stderr
    status = subprocess.run(
        [str(ohtop), "status", "--demo", "--json"],
        capture_output=True,
        text=True,
        cwd=home,
        env=env,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)
    assert len(rows) > 10 and {"id", "status"} <= set(rows[0])
    socket = f"ohtop-wheel-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "120", "-y", "30", "-c", str(home), f"{ohtop} --demo"],
        check=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        screen = ""
        while time.monotonic() < deadline and "conversations" not in screen:
            time.sleep(0.5)
            shown = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True)
            screen = shown.stdout
        assert "conversations" in screen and "RUNNING" in screen, screen
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


@pytest.mark.slow
def test_pipx_installs_the_wheel_with_its_styles_and_man_page(wheel: Path, tmp_path: Path) -> None:
    pipx = _dev_tool("pipx")
    env = _clean_env(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "man"),
        HOME=str(tmp_path),
    )
    done = subprocess.run([pipx, "install", str(wheel)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "man" / "man1" / "ohtop.1").exists()  # `man ohtop` finds it
    python = tmp_path / "pipx" / "venvs" / "ohtop" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "from tui.ui.styles import css_paths; print(*css_paths())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert "site-packages/tui/styles/ohtop.tcss" in where.stdout, where.stderr
    _runs_as_a_tool(tmp_path / "bin" / "ohtop", tmp_path, env)
    # PyPI's other `tui` (1.1.1, 2011, Python 2 code) in the environment the user works in:
    # the isolated tool does not see it.
    uv = _dev_tool("uv")
    other = tmp_path / "other"
    for step in (
        [uv, "venv", "-q", str(other)],
        [uv, "pip", "install", "-q", "--python", str(other / "bin" / "python"), "tui==1.1.1"],
    ):
        subprocess.run(step, check=True, capture_output=True, env=env)
    beside = {**env, "PATH": f"{other / 'bin'}:{env['PATH']}", "VIRTUAL_ENV": str(other)}
    _runs_as_a_tool(tmp_path / "bin" / "ohtop", tmp_path, beside)
    # In one shared environment the two cannot live: theirs overwrites tui/__init__.py. This is
    # why README says to install ohtop as a tool, isolated.
    subprocess.run([pipx, "runpip", "ohtop", "install", "-q", "tui==1.1.1"], env=env, check=True)
    broken = subprocess.run(
        [str(tmp_path / "bin" / "ohtop"), "--version"], capture_output=True, text=True, env=env
    )
    assert broken.returncode != 0 and "SyntaxError" in broken.stderr


@pytest.mark.slow
def test_uv_tool_installs_the_wheel(wheel: Path, tmp_path: Path) -> None:
    uv = _dev_tool("uv")
    env = _clean_env(
        UV_TOOL_DIR=str(tmp_path / "tools"),
        UV_TOOL_BIN_DIR=str(tmp_path / "bin"),
        UV_CACHE_DIR=str(tmp_path / "cache"),
        HOME=str(tmp_path),
    )
    done = subprocess.run(
        [uv, "tool", "install", str(wheel)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    _runs_as_a_tool(tmp_path / "bin" / "ohtop", tmp_path, env)
