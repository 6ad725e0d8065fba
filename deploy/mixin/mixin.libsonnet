// ohtop's monitoring mixin: prometheusAlerts, prometheusRules, grafanaDashboards and the
// _config they are built from. `python scripts/mixin.py` renders it to rendered/.
(import 'config.libsonnet') +
(import 'alerts.libsonnet') +
(import 'rules.libsonnet') +
(import 'dashboards.libsonnet')
