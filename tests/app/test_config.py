"""The config file, `ohtop config check`, remapped keys, themes, palette and help."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList

from tests.helpers import FAST, loaded, table_of, wait_for
from tui.cli import main
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.settings import Settings, resolve
from tui.settings.arguments import build_parser
from tui.settings.config import ConfigError, load, permission_warning, resolve_servers
from tui.settings.keymap import DASHBOARD, names
from tui.ui.app import OhtopApp
from tui.ui.screens.help import HelpScreen

GOOD = """
theme = "nord"
[[servers]]
name = "peer"
url = "http://127.0.0.1:18000"
session_api_key_env = "OHTOP_TEST_KEY"
[polling]
running = 15
archived = 0
[streams]
max = 10
[alerts]
starting_minutes = 3
bell = true
[keys]
find = "f"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_a_good_config(tmp_path: Path) -> None:
    config = load(_write(tmp_path, GOOD), names())
    assert config.theme == "nord" and config.streams.max == 10 and config.alerts.bell
    assert config.polling.intervals().running == 15 and config.polling.intervals().archived is None
    assert config.alerts.thresholds().starting_minutes == 3
    servers, problems = resolve_servers(config, {"OHTOP_TEST_KEY": "k"})
    assert problems == [] and servers[0].session_api_key == "k" and servers[0].name == "peer"
    _, problems = resolve_servers(config, {})
    assert problems == [
        "servers[0 'peer'].session_api_key_env: environment variable OHTOP_TEST_KEY is not set"
    ]


def test_every_problem_is_reported_with_its_place(tmp_path: Path) -> None:
    bad = GOOD.replace('theme = "nord"', 'theme = "neon"\nrefresh = 3').replace(
        "running = 15", "runing = 15"
    )
    bad = bad.replace('url = "http://127.0.0.1:18000"', 'url = "ftp://x"')
    with pytest.raises(ConfigError) as info:
        load(_write(tmp_path, bad), names())
    problems = info.value.problems
    assert any(p.startswith("theme: unknown theme 'neon'") for p in problems)
    assert "refresh: unknown setting (a typo?)" in problems
    assert "polling.runing: unknown setting (a typo?)" in problems
    assert "servers[0 'peer'].url: must start with http:// or https://" in problems


def test_unknown_actions_duplicate_names_and_bad_toml(tmp_path: Path) -> None:
    text = GOOD + '\n[[servers]]\nname = "peer"\nurl = "http://x"\n'
    with pytest.raises(ConfigError) as info:
        load(_write(tmp_path, text.replace('find = "f"', 'find = "f"\nfly = "x"')), names())
    assert any(p.startswith("keys.fly: no such action") for p in info.value.problems)
    assert "servers: the name 'peer' is used twice" in info.value.problems
    with pytest.raises(ConfigError) as info:
        load(_write(tmp_path, "theme = "), names())
    assert info.value.problems[0].startswith("not valid TOML")


def test_permission_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    assert permission_warning(path) is None
    path.chmod(0o644)
    assert "readable by other users" in (permission_warning(path) or "")
    path.chmod(0o666)
    assert "writable by other users" in (permission_warning(path) or "")


def test_config_check_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, GOOD)
    monkeypatch.delenv("OHTOP_TEST_KEY", raising=False)
    assert main(["config", "check", "--config", str(path)]) == 1
    assert "OHTOP_TEST_KEY is not set" in capsys.readouterr().out
    monkeypatch.setenv("OHTOP_TEST_KEY", "k")
    assert main(["config", "check", "--config", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {path}: 1 server(s), theme nord")
    assert main(["status", "--config", str(_write(tmp_path, "theme = 1"))]) == 2
    assert "theme: Input should be a valid string" in capsys.readouterr().err


def test_registry_names_are_unique_per_screen() -> None:
    seen = [a.name for a in DASHBOARD]
    assert len(seen) == len(set(seen))


async def test_remapped_keys_themes_palette_and_help(demo: DemoServer) -> None:
    app = OhtopApp(
        Settings(
            servers=(ServerConfig(demo.url, name="demo"),),
            intervals=FAST,
            theme="nord",
            keymap={"find": "f"},
        )
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        assert app.theme == "nord"
        await pilot.press("slash")
        assert app.focused is table_of(app)  # "/" no longer finds
        await pilot.press("f")
        assert app.focused is not None and app.focused.id == "filter"
        await pilot.press("escape")
        await pilot.press("ctrl+t")
        assert app.theme != "nord"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert any(a.name == "find" and a.keys == "f" for a in app.screen.dashboard)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.press(*"Errors only")
        palette = app.screen
        await wait_for(lambda: palette.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        table = table_of(app)
        await wait_for(lambda: table.list_query.status == "ERROR")
        assert all(app.stores.status.get(k).status == "ERROR" for k in table.rows)  # type: ignore[union-attr]


def test_the_demo_keeps_no_history_and_a_real_server_does(tmp_path: Path) -> None:
    """Each demo run is a new world: an earlier run's history of it would show wrong times."""
    parser = build_parser()
    empty = tmp_path / "config.toml"
    empty.write_text("")
    env = {"OHTOP_CONFIG": str(empty)}
    assert resolve(parser.parse_args(["--demo"]), env).history is None
    real = resolve(parser.parse_args(["--server", "http://127.0.0.1:9"]), env)
    assert real.history is not None
