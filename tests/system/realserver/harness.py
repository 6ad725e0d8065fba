"""Install and run a real `openhands-agent-server` on loopback for ohtop's tests.

Needs Python 3.12 or 3.13 (the agent server has no release for 3.11). The venv lives in
`.real-server/` at the top of the checkout (ignored by git) and is reused when it imports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]
HOME = Path(os.environ.get("OHTOP_REAL_SERVER_HOME", ROOT / ".real-server"))
VERSION = os.environ.get("OHTOP_AGENT_SERVER_VERSION", "1.58.2")
# 1.58.2 asks for a certifi newer than the package index here has; the CA bundle is harmless.
OVERRIDES = "certifi==2026.10.18\n"


def find_python() -> str | None:
    """A Python 3.12/3.13 interpreter: on PATH, or one of pyenv's."""
    names = ["python3.12", "python3.13"]
    pyenv = Path.home() / ".pyenv" / "versions"
    if pyenv.is_dir():
        names += [str(p / "bin" / "python") for p in sorted(pyenv.glob("3.1[23].*"))]
    for name in names:
        path = shutil.which(name) or (name if Path(name).is_file() else None)
        if not path:
            continue
        probe = subprocess.run(
            [path, "-c", "import sys; print(sys.version_info[:2] in ((3, 12), (3, 13)))"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return path
    return None


def ensure_venv(python: str) -> Path:
    """Create (or reuse) the venv with the agent server; returns its bin directory."""
    venv = HOME / f"venv-{VERSION}"
    bin_dir = venv / "bin"
    check = [str(bin_dir / "python"), "-c", "import openhands.agent_server"]
    if (bin_dir / "agent-server").exists() and subprocess.run(
        check, capture_output=True
    ).returncode == 0:
        return bin_dir
    shutil.rmtree(venv, ignore_errors=True)
    HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "uv"], check=True)
    overrides = HOME / "overrides.txt"
    overrides.write_text(OVERRIDES)
    packages = [
        f"openhands-agent-server=={VERSION}",
        f"openhands-sdk=={VERSION}",
        f"openhands-tools=={VERSION}",
    ]
    subprocess.run(
        [
            str(bin_dir / "uv"),
            "pip",
            "install",
            "-q",
            "--python",
            str(bin_dir / "python"),
            "--override",
            str(overrides),
            *packages,
        ],
        check=True,
    )
    return bin_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AgentServer:
    """One agent-server process on 127.0.0.1; stopped by its own PID only."""

    def __init__(
        self, bin_dir: Path, state: Path, key: str, env: dict[str, str] | None = None
    ) -> None:
        self.bin_dir = bin_dir
        self.state = state
        self.key = key
        self.extra_env = env or {}  # e.g. OH_WEBHOOKS_0_BASE_URL
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 240.0) -> AgentServer:
        workspace = self.state / "workspace"
        for sub in ("conversations", "project", "bash_events"):
            (workspace / sub).mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "OH_ENABLE_VSCODE": "false",
            "OH_PRELOAD_TOOLS": "false",
            "OH_MAX_CONCURRENT_RUNS": "64",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no network at import
            "OH_CONVERSATIONS_PATH": str(workspace / "conversations"),
            "OH_WORKSPACE_PATH": str(workspace / "project"),
            "OH_BASH_EVENTS_DIR": str(workspace / "bash_events"),
            "OPENHANDS_AGENT_SERVER_CONFIG_PATH": str(self.state / "config.json"),
            "SESSION_API_KEY": self.key,
            "OH_SECRET_KEY": self.key,
            **self.extra_env,
        }
        env.pop("VIRTUAL_ENV", None)
        log = open(self.state / "agent_server.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [str(self.bin_dir / "agent-server"), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"agent server exited: {self.log_tail()}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"agent server did not come up in {timeout:.0f}s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.state / "agent_server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM our process group (the server and the terminals it started), then SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    # -- driving conversations -------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"X-Session-API-Key": self.key}

    def create(
        self, llm_url: str, text: str | None, *, confirm: bool = False, max_iterations: int = 60
    ) -> str:
        """Create a conversation (idle when `text` is None); returns its dashed id."""
        body: dict[str, Any] = {
            "agent": {
                "kind": "Agent",
                "llm": {
                    "model": "openai/fake",
                    "base_url": llm_url,
                    "api_key": "dummy",
                    "usage_id": "agent",
                    "api_mode": "chat",
                    "num_retries": 0,
                    "timeout": 60,
                },
                "tools": [{"name": "terminal"}, {"name": "task_tracker"}],
            },
            "workspace": {
                "kind": "LocalWorkspace",
                "working_dir": str(self.state / "workspace" / "project"),
            },
            "max_iterations": max_iterations,
        }
        if confirm:
            body["confirmation_policy"] = {"kind": "AlwaysConfirm"}
        if text is not None:
            body["initial_message"] = {
                "role": "user",
                "content": [{"type": "text", "text": text}],
                "run": True,
            }
        answer = httpx.post(
            f"{self.url}/api/conversations", json=body, headers=self._headers(), timeout=60
        )
        answer.raise_for_status()
        return str(answer.json()["id"])

    def send(self, conversation_id: str, text: str) -> None:
        """Send a user message and run."""
        body = {"role": "user", "content": [{"type": "text", "text": text}], "run": True}
        answer = httpx.post(
            f"{self.url}/api/conversations/{conversation_id}/events",
            json=body,
            headers=self._headers(),
            timeout=60,
        )
        answer.raise_for_status()

    def pause(self, conversation_id: str) -> None:
        answer = httpx.post(
            f"{self.url}/api/conversations/{conversation_id}/pause",
            headers=self._headers(),
            timeout=30,
        )
        answer.raise_for_status()

    def status(self, conversation_id: str) -> str:
        answer = httpx.get(
            f"{self.url}/api/conversations/{conversation_id}", headers=self._headers(), timeout=30
        )
        answer.raise_for_status()
        return str(answer.json()["execution_status"])


def python_missing_reason() -> str:
    return (
        "Python 3.12 or 3.13 not found (on PATH or in ~/.pyenv/versions); "
        "openhands-agent-server has no release for Python "
        f"{sys.version_info[0]}.{sys.version_info[1]}"
    )
