"""The colour-blind-safe theme keeps every two status colours at least 20 CIEDE2000 apart
under simulated deuteranopia, protanopia and tritanopia, measured from what the screen paints;
the README's table is that measurement."""

from __future__ import annotations

from pathlib import Path

from tests.colour_vision import VISIONS, painted, smallest, table
from tui.settings.config import THEMES

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_the_safe_theme_keeps_statuses_apart_in_every_vision() -> None:
    colours = (await painted())["okabe-ito"]
    assert len(set(colours.values())) == len(colours)  # five different paints
    for vision in VISIONS:
        delta, a, b = smallest(colours, vision)
        assert delta >= 20.0, f"{vision}: {a}/{b} only {delta:.1f} apart"


async def test_every_theme_is_measured_and_the_readme_says_so() -> None:
    found = await painted()
    assert set(found) == set(THEMES)
    measured = table(found)
    assert measured in README.read_text(), f"README's table is out of date:\n{measured}"


async def test_the_simulation_tells_red_from_green_apart_only_for_normal_vision() -> None:
    """A check that the simulation simulates: pure red and green are far apart, but close for
    a deuteranope."""
    red_green = {"error": (200, 60, 60), "running": (60, 160, 60)}
    assert smallest(red_green, "tritanopia")[0] > 30
    assert smallest(red_green, "deuteranopia")[0] < 15
