"""ohtop's own theme: the Okabe-Ito palette, whose status colours stay apart for people with
any of the three common colour-vision deficiencies (README "Accessibility": every theme's
smallest CIEDE2000 difference between two status colours under simulated deuteranopia,
protanopia and tritanopia; tests/app/test_colour_vision.py)."""

from __future__ import annotations

from textual.theme import Theme

# Status colours come from these variables (styles/ohtop.tcss): ERROR $error, STARTING
# $warning, RUNNING $success, STOPPED $text-muted, ARCHIVED $text-disabled, unknown $secondary.
OKABE_ITO = Theme(
    name="okabe-ito",
    primary="#0072B2",  # blue
    secondary="#CC79A7",  # reddish purple
    accent="#E69F00",  # orange
    warning="#F0E442",  # yellow: STARTING
    error="#D55E00",  # vermillion: ERROR
    success="#56B4E9",  # sky blue: RUNNING (no green: red-green is the common confusion)
    foreground="#E8E8E8",
    background="#121212",
    surface="#1E1E1E",
    panel="#2A2A2A",
    dark=True,
    variables={
        "text-muted": "#8C8C8C",  # STOPPED
        "text-disabled": "#505050",  # ARCHIVED: darker, so it never reads as STOPPED
    },
)

OWN_THEMES = (OKABE_ITO,)
