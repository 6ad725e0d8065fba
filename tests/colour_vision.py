"""How far apart each theme's status colours are for people with a colour-vision deficiency:
the colours as the screen paints them (resolved by Textual from ohtop's stylesheet, blends
included), seen through Machado et al. (2009)'s simulation at full severity, compared pairwise
with CIEDE2000. `python -m tests.colour_vision` prints the README's table."""

from __future__ import annotations

import asyncio
import itertools
import warnings

import numpy as np
from textual.app import App, ComposeResult

from tui.settings.config import THEMES
from tui.ui.styles import css_paths
from tui.ui.themes import OWN_THEMES
from tui.ui.widgets.status_indicator import StatusIndicator

with warnings.catch_warnings():  # it names optional parts (SciPy, Matplotlib) not needed here
    warnings.simplefilter("ignore")
    import colour

STATUSES = ("error", "starting", "running", "stopped", "archived")
VISIONS = {
    "deuteranopia": "Deuteranomaly",
    "protanopia": "Protanomaly",
    "tritanopia": "Tritanomaly",
}
RGB = tuple[int, int, int]


class _Probe(App[None]):
    CSS_PATH = css_paths()  # type: ignore[assignment]  # Textual types it as str | list[str]

    def compose(self) -> ComposeResult:
        yield StatusIndicator()


async def painted() -> dict[str, dict[str, RGB]]:
    """Each theme's status colours as painted: {theme: {status: (r, g, b)}}."""
    app = _Probe()
    found: dict[str, dict[str, RGB]] = {}
    async with app.run_test() as pilot:
        for theme in OWN_THEMES:
            app.register_theme(theme)
        widget = app.query_one(StatusIndicator)
        for name in THEMES:
            app.theme = name
            await pilot.pause()
            found[name] = {}
            for status in STATUSES:
                style = widget.get_component_rich_style(f"status-indicator--{status}")
                assert style.color is not None, (name, status)
                triplet = style.color.get_truecolor()
                found[name][status] = (triplet.red, triplet.green, triplet.blue)
    return found


def _lab(rgb: RGB, deficiency: str) -> np.ndarray:
    linear = colour.cctf_decoding(np.array(rgb) / 255.0, function="sRGB")
    with warnings.catch_warnings():  # tritanomaly's model is an approximation, as it says
        warnings.simplefilter("ignore")
        matrix = colour.blindness.matrix_cvd_Machado2009(deficiency, 1.0)
    seen = np.clip(colour.algebra.vecmul(matrix, linear), 0.0, 1.0)
    xyz = colour.RGB_to_XYZ(seen, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=False)
    return np.asarray(colour.XYZ_to_Lab(xyz))


def smallest(colours: dict[str, RGB], vision: str) -> tuple[float, str, str]:
    """The smallest CIEDE2000 difference between two statuses as `vision` sees them."""
    labs = {status: _lab(rgb, VISIONS[vision]) for status, rgb in colours.items()}
    pairs = (
        (float(colour.delta_E(labs[a], labs[b], method="CIE 2000")), a, b)
        for a, b in itertools.combinations(colours, 2)
    )
    return min(pairs)


def table(found: dict[str, dict[str, RGB]]) -> str:
    """The README's table: one row per theme, the smallest difference per vision."""
    head = "| theme | " + " | ".join(VISIONS) + " |"
    rows = [head, "|---|" + "---|" * len(VISIONS)]
    for name, colours in found.items():
        cells = []
        for vision in VISIONS:
            delta, a, b = smallest(colours, vision)
            cells.append(f"{delta:.1f} ({a.upper()}/{b.upper()})")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(asyncio.run(painted())))
