"""Benchmarks: `make bench` runs them and prints numbers and ratios."""
