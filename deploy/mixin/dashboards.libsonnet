// One Grafana dashboard, "ohtop / Fleet", in plain JSON (no library to fetch): the fleet by
// status over time, what needs a person, errors by classification, cost, servers up, streams,
// the request budget and the shards. Every query is evaluated against a real Prometheus
// scraping the exporter on the demo in ohtop's tests, and must return data.
{
  local c = self._config,
  local sel = '{%s}' % c.selector,
  local ds = { type: 'prometheus', uid: '${datasource}' },
  local target(expr, legend) = { datasource: ds, expr: expr, legendFormat: legend, refId: 'A' },
  local panel(id, title, type, x, y, w, h, targets, unit='short', description='') = {
    id: id,
    title: title,
    description: description,
    type: type,
    datasource: ds,
    gridPos: { x: x, y: y, w: w, h: h },
    targets: [t { refId: std.char(65 + i) } for i in std.range(0, std.length(targets) - 1)
              for t in [targets[i]]],
    fieldConfig: { defaults: { unit: unit }, overrides: [] },
    options: {},
  },

  grafanaDashboards+:: {
    'ohtop-fleet.json': {
      uid: c.dashboardUID,
      title: 'ohtop / Fleet',
      tags: c.dashboardTags,
      timezone: 'utc',
      refresh: c.dashboardRefresh,
      schemaVersion: 39,
      time: { from: 'now-6h', to: 'now' },
      templating: {
        list: [{
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
        }],
      },
      panels: [
        panel(1, 'Conversations by status', 'timeseries', 0, 0, 12, 8,
              [target('job_status:ohtop_conversations:sum%s' % sel, '{{status}}')],
              description='The whole fleet (every shard) by coarse status.'),
        panel(2, 'Needing attention', 'timeseries', 12, 0, 12, 8,
              [target('job_reason:ohtop_conversations_needing_attention:sum%s' % sel, '{{reason}}')],
              description='Conversations waiting for a person, by why.'),
        panel(3, 'Errors by classification', 'timeseries', 0, 8, 12, 8,
              [target('job_kind:ohtop_conversation_errors:rate5m%s' % sel, '{{kind}}')],
              unit='ops', description='Conversations entering ERROR per second, by error kind.'),
        panel(4, 'LLM cost', 'timeseries', 12, 8, 12, 8, [
          target('job:ohtop_llm_cost_usd:sum%s' % sel, 'total of watched conversations'),
          target('job:ohtop_llm_cost_usd:increase1h%s' % sel, 'spent in the last hour'),
        ], unit='currencyUSD'),
        panel(5, 'Servers up', 'stat', 0, 16, 6, 6, [
          target('job:ohtop_server_up:sum%s' % sel, 'up'),
          target('job:ohtop_server_up:count%s' % sel, 'watched'),
        ]),
        panel(6, 'Live streams', 'timeseries', 6, 16, 9, 6,
              [target('sum by (state) (ohtop_streams%s)' % sel, '{{state}}')]),
        panel(7, 'Request budget used', 'timeseries', 15, 16, 9, 6,
              [target('max by (server) (ohtop_request_budget_used_ratio%s)' % sel, '{{server}}')],
              unit='percentunit'),
        panel(8, 'Conversations by server', 'timeseries', 0, 22, 12, 8,
              [target('job_server:ohtop_conversations:sum%s' % sel, '{{server}}')]),
        panel(9, 'Shards', 'table', 12, 22, 12, 8, [
          target('max by (instance) (ohtop_shard_ordinal%s)' % sel, '{{instance}}'),
          target('max by (instance) (ohtop_total_shards%s)' % sel, '{{instance}}'),
        ], description='Each exporter, its --shard and --total-shards; the alerts OhtopShardingMismatch and OhtopShardsMissing watch these.'),
      ],
    },
  },
}
