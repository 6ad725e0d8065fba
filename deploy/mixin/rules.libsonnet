// Recording rules: the fleet's aggregates by job (every shard summed), so dashboards and a
// global Prometheus (federation, remote write) move these few series, not every exporter's.
{
  local c = self._config,
  local sel = '{%s}' % c.selector,
  local record(name, expr) = { record: name, expr: expr },

  prometheusRules+:: {
    groups+: [
      {
        name: 'ohtop.rules',
        rules: [
          record('job_status:ohtop_conversations:sum',
                 'sum by (job, status) (ohtop_conversations%s)' % sel),
          record('job_server:ohtop_conversations:sum',
                 'sum by (job, server) (ohtop_conversations%s)' % sel),
          record('job_reason:ohtop_conversations_needing_attention:sum',
                 'sum by (job, reason) (ohtop_conversations_needing_attention%s)' % sel),
          record('job_kind:ohtop_conversation_errors:rate5m',
                 'sum by (job, kind) (rate(ohtop_conversation_errors_total%s[5m]))' % sel),
          record('job:ohtop_llm_cost_usd:sum',
                 'sum by (job) (ohtop_llm_cost_usd%s)' % sel),
          // Spend in the last hour; a server's total falls when conversations are deleted,
          // which is not money back: each server's change is floored at 0 before the sum.
          record('job:ohtop_llm_cost_usd:increase1h',
                 'sum by (job) (clamp_min(delta(ohtop_llm_cost_usd%s[1h]), 0))' % sel),
          record('job:ohtop_server_up:sum', 'sum by (job) (ohtop_server_up%s)' % sel),
          record('job:ohtop_server_up:count', 'count by (job) (ohtop_server_up%s)' % sel),
        ],
      },
    ],
  },
}
