"""The real OpenHands app server (openhands-ai 1.11.0) on loopback, through the peer harness
(`../shared/peer`: process sandboxes, a scripted fake LLM, and the run-time patches that let
1.11.0 run without docker). Its venv is about 1 GB and a conversation takes 25-40 s to start,
so these tests run with `make app-server`, not in `make test`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PEER = Path(os.environ.get("OHTOP_PEER_DIR", ROOT.parent / "shared" / "peer"))
HOME = Path(os.environ.get("OHTOP_PEER_HOME", ROOT / ".real-server" / "peer"))  # its venv
ENABLE = "OHTOP_APP_SERVER_TEST"


def skip_reason() -> str | None:
    """Why the app-server tests cannot run here, or None."""
    if os.environ.get(ENABLE) != "1":
        return f"the real app server runs with `make app-server` ({ENABLE}=1): ~1 GB, minutes"
    if not (PEER / "start-app-server.sh").is_file():
        return f"no peer harness at {PEER} (set OHTOP_PEER_DIR to ../shared/peer)"
    return None


@dataclass
class AppServer:
    """One app server, its fake LLM and its child agent servers, under `state`."""

    state: Path
    port: int
    llm_port: int
    sandbox_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        HOME.mkdir(parents=True, exist_ok=True)
        return {**os.environ, "PEER_HOME": str(HOME)}

    def start(self) -> AppServer:
        subprocess.run(
            [
                str(PEER / "start-app-server.sh"),
                *("-p", str(self.port), "-l", str(self.llm_port)),
                *("-b", str(self.sandbox_port), "-s", str(self.state), "--fresh"),
            ],
            env=self._env(),
            check=True,
            timeout=900,  # the first run installs the venv
        )
        return self

    def stop(self) -> None:
        subprocess.run(
            [str(PEER / "stop-app-server.sh"), "-s", str(self.state)],
            env=self._env(),
            check=False,
            timeout=120,
        )

    def create(self, mix: str) -> list[str]:
        """Conversations of the fake LLM's scenarios (`finish,running`), once each reached its
        expected status; their hex ids in `mix` order."""
        out = self.state / "created.json"
        done = subprocess.run(
            [
                sys.executable,
                str(PEER / "app" / "drive_app.py"),
                *("--server", self.url, "-n", str(len(mix.split(","))), "--mix", mix),
                *("--wait", "300", "--out", str(out)),
            ],
            capture_output=True,
            text=True,
            timeout=400,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return [str(t["id"]) for t in json.loads(out.read_text())]

    def get(self, cid: str) -> dict[str, object]:
        answer = httpx.get(f"{self.url}/api/v1/app-conversations", params={"ids": cid})
        answer.raise_for_status()
        found = answer.json()[0]
        assert isinstance(found, dict), f"{cid} is gone"
        return found

    def call(
        self, method: str, path: str, body: object = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}/api/v1{path}", json=body, params=params, timeout=60
        )
