"""ohtop: a terminal dashboard for many OpenHands conversations."""

__version__ = "0.1.0"
