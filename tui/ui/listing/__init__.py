"""The list's view-model: which conversations it shows, in what order."""
