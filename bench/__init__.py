"""Benchmarks (`make bench`). Each runs with the garbage collector tuned as `ohtop` tunes it."""

from tui.runtime import tune_gc

tune_gc()
