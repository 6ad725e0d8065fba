// What an installation changes: which series are ohtop's, the thresholds and `for:` durations
// of the alerts, and the dashboard's identity. Override with `(import 'mixin.libsonnet') +
// { _config+:: { selector: 'job="ohtop-prod"' } }`.
{
  _config+:: {
    // Every query starts from this selector: the scrape job of the ohtop exporters (all shards).
    selector: 'job="ohtop"',

    // Conversation alerts (labelled scope="conversations"; Alertmanager holds them back while
    // their server is down, see deploy/alertmanager/alertmanager.yml).
    errorsRisingCount: 5,  // more failures than this ...
    errorsRisingWindow: '10m',  // ... within this window
    stuckFor: '15m',
    waitingFor: '30m',
    silentFor: '10m',
    streamsFailingFor: '10m',

    // Server and exporter alerts.
    serverDownFor: '5m',
    budgetRatio: 0.9,
    budgetFor: '10m',
    exporterDownFor: '5m',
    shardingFor: '15m',

    // A link to the runbook (docs/runbook.md as published where you keep it); empty: the
    // alerts carry the path of the section in ohtop's documentation instead.
    runbookURL: '',

    dashboardUID: 'ohtop-fleet',
    dashboardTags: ['ohtop'],
    dashboardRefresh: '30s',
  },
}
