"""Loopback tests."""
