"""The one way every face gets a running Fleet (`run`), and the process around it: runtime
tuning (`runtime`) and a child that ends with its parent (`parent`)."""

from tui.session.run import build_fleet, open_fleet, run_fleet

__all__ = ["build_fleet", "open_fleet", "run_fleet"]
