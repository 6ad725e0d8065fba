"""The folders tell the architecture: nothing loose at the root of tui/ but the entry points,
every package in the layers contract (and, but for the UI, kept from Textual)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"__init__", "__main__", "cli", "launch"}


def _contracts() -> dict[str, dict[str, list[str]]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _packages() -> set[str]:
    package = ROOT / "tui"
    return {f"tui.{p.name}" for p in package.iterdir() if (p / "__init__.py").is_file()}


def test_only_the_entry_points_are_loose_at_the_root() -> None:
    loose = {p.stem for p in (ROOT / "tui").glob("*.py")} - ENTRY_POINTS
    assert sorted(loose) == [], "put it in the package whose job it is"


def test_every_package_is_a_layer() -> None:
    layers = _contracts()["Layers run one way"]["layers"]
    named = {part.strip() for layer in layers for part in layer.split("|")}
    assert sorted(_packages() - named) == []


def test_every_package_but_the_ui_is_kept_from_textual() -> None:
    contract = _contracts()["Only the UI imports Textual and Rich"]
    kept = set(contract["source_modules"])
    assert sorted(_packages() - kept - {"tui.ui"}) == []
    assert "tui.ui" in contract["forbidden_modules"]
