"""Screens: dashboard, conversation detail, help."""
