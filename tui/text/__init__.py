"""Plain text for every face: formats, server text made safe, events in words, the clocks durations
are read from."""
