"""The Fleet (monitors, streams, alerts and history of every watched server) and what every face
asks of it: lookups, reports, metrics."""
