"""Benchmarks (`make bench`), with the collector and frame pacing tuned as `ohtop` tunes them."""

from tui.session.runtime import pace_frames, tune_gc

tune_gc()
pace_frames()
