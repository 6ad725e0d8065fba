"""Alerting: which conversations need a person, alerts raised once per spell, and the hooks that
run for them."""
