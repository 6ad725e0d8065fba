"""`ohtop exporter`: the Fleet's metrics served to Prometheus."""
