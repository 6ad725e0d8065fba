"""Layering and packaging: the core runs without Textual; a built wheel carries its styles."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
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


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_with_its_styles(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next(dist.glob("ohtop-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr[-2000:]
    run_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [str(py), "-c", "from tui.ui.styles import css_paths; print(*css_paths())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=run_env,
    )
    assert where.returncode == 0, where.stderr
    assert "site-packages/tui/styles/ohtop.tcss" in where.stdout
    status = subprocess.run(
        [str(env_dir / "bin" / "ohtop"), "status", "--demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=run_env,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert "conversations" in status.stdout.splitlines()[-1]
    app = subprocess.run(
        [str(py), "-c", "from tui.ui.app import OhtopApp; print(OhtopApp().css_path)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=run_env,
    )
    assert app.returncode == 0 and "ohtop.tcss" in app.stdout, app.stderr
