"""What ohtop writes and shows keeps secrets: keys are redacted before any cut (no run of 8 of
a key's characters on any output), its files are private whatever the umask, and the loopback
exporter answers only a loopback Host."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import view
from tui.client import secrets
from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet
from tui.fleet.metrics_server import MetricsServer
from tui.fleet.report import Report
from tui.headless.serialize import view_to_dict
from tui.history.files import write_private
from tui.history.store import HistoryStore
from tui.settings.listen import Listen, loopback_host
from tui.settings.logs import setup
from tui.store.view import ErrorInfo
from tui.text.sanitize import clean, safe_json

KEY = "sk-oh-0123456789abcdefghijklmn"  # 30 characters


def _no_piece_of(key: str, text: str) -> bool:
    """No run of 8 or more of the key's characters in `text`."""
    return all(key[i : i + 8] not in text for i in range(len(key) - 7))


@pytest.fixture(autouse=True)
def _known_key() -> None:
    ServerConfig("http://127.0.0.1:1", api_key=KEY)  # remembered as a secret


@pytest.mark.parametrize("limit", range(20, 60, 3))
def test_a_key_across_a_length_limit_is_redacted_before_the_cut(limit: int) -> None:
    text = "x" * (limit - 10) + KEY + " tail"
    assert _no_piece_of(KEY, clean(text, limit)), clean(text, limit)


def test_a_piece_of_a_key_is_redacted_wherever_it_starts() -> None:
    for start, end in ((0, 12), (5, 25), (10, 30)):
        echoed = f"upstream said: token {KEY[start:end]} rejected"
        assert _no_piece_of(KEY, secrets.redact(echoed)), echoed
    assert secrets.redact("short abc1234 words") == "short abc1234 words"


def test_json_report_status_and_history_hold_no_piece_of_a_key() -> None:
    err = ErrorInfo("AuthError", f"bad key {KEY[:23]}… (cut by the server)")
    v = view("ab" * 16, title=f"title {KEY[3:20]}", last_error=err)
    outputs = [
        safe_json([view_to_dict(v)]),
        Report({"conversation": {"title": v.title, "error": err.detail}}).json(),
        Report({"conversation": {"title": v.title}, "x": [KEY]}).json(),
    ]
    for out in outputs:
        assert _no_piece_of(KEY, out), out


@pytest.fixture
def _logger_back() -> Iterator[None]:
    """`setup` takes over the `tui` logger: give it back as it was."""
    logger = logging.getLogger("tui")
    kept = (list(logger.handlers), logger.propagate, logger.level)
    try:
        yield
    finally:
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:], logger.propagate, logger.level = kept[0], kept[1], kept[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("_logger_back")
def test_files_are_private_under_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        state = tmp_path / "state" / "ohtop"
        history = HistoryStore(state / "history.sqlite3")
        history.start()
        history.close()
        log = setup("warning", state / "ohtop.log")
        logging.getLogger("tui.test").warning("a line")
        write_private(state / "reports" / "r.md", "report")
    finally:
        os.umask(old)
    assert _mode(state) == 0o700
    assert _mode(state / "reports") == 0o700
    for path in (state / "history.sqlite3", log, state / "reports" / "r.md"):
        assert _mode(path) == 0o600, (path, oct(_mode(path)))
    for extra in ("-wal", "-shm"):
        side = Path(f"{state / 'history.sqlite3'}{extra}")
        if side.exists():
            assert _mode(side) == 0o600


@pytest.mark.usefixtures("_logger_back")
def test_files_left_readable_from_before_are_tightened_at_start(tmp_path: Path) -> None:
    state = tmp_path / "ohtop"
    state.mkdir(mode=0o755)
    db = state / "history.sqlite3"
    HistoryStore(db).close()
    os.chmod(db, 0o644)
    os.chmod(state, 0o755)
    log = state / "ohtop.log"
    log.write_text("old\n")
    os.chmod(log, 0o644)
    HistoryStore(db).close()
    setup("warning", log)
    assert _mode(db) == 0o600 and _mode(log) == 0o600 and _mode(state) == 0o700


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:9464", True),
        ("localhost:9464", True),
        ("[::1]:9464", True),
        ("localhost", True),
        ("attacker.example:9464", False),
        ("127.0.0.1.attacker.example", False),
        ("", False),
    ],
)
def test_loopback_host_names(host: str, ok: bool) -> None:
    assert loopback_host(host) is ok


async def test_the_exporter_without_a_token_answers_only_a_loopback_host() -> None:
    fleet = Fleet([ServerConfig("http://127.0.0.1:1", name="prod")])
    server = MetricsServer(fleet, Listen("127.0.0.1", 0))
    url = await server.start()
    try:
        async with httpx.AsyncClient() as client:
            ok = await client.get(url)
            rebound = await client.get(url, headers={"Host": "evil.example:9464"})
            health = await client.get(url.replace("/metrics", "/healthz"), headers={"Host": "x"})
        assert ok.status_code == 200 and "ohtop_conversations" in ok.text
        assert rebound.status_code == 403 and "ohtop_" not in rebound.text
        assert health.status_code == 403
    finally:
        await server.stop()
    out = io.StringIO()
    json.dump({"scrapes": server.scrapes}, out)
    assert json.loads(out.getvalue())["scrapes"] == 1
