"""App tests."""
