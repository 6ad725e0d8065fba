"""`ohtop web`: the dashboard in browser tabs."""
