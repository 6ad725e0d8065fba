"""Stores and view-models in plain Python (no Textual): the single owner of monitor state."""
