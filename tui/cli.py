"""Command line entry point."""


def main() -> int:
    """Run ohtop."""
    return 0
