// The alerts: each with severity, summary, description and its runbook section. Conversation
// alerts carry scope="conversations" so a down server's own alert can stand for them.
{
  local c = self._config,
  local sel(extra='') = '{%s%s}' % [c.selector, if extra == '' then '' else ', ' + extra],
  local runbook(name) =
    if c.runbookURL != '' then { runbook_url: '%s#%s' % [c.runbookURL, std.asciiLower(name)] }
    else { runbook: 'docs/runbook.md#%s' % std.asciiLower(name) },
  local alert(name, expr, severity, summary, description, forTime='', scope='') =
    {
      alert: name,
      expr: expr,
    } + (if forTime == '' then {} else { 'for': forTime }) + {
      labels: { severity: severity } + (if scope == '' then {} else { scope: scope }),
      annotations: { summary: summary, description: description } + runbook(name),
    },

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'ohtop-conversations',
        rules: [
          alert(
            'OhtopConversationErrorsRising',
            'sum by (job, server) (increase(ohtop_conversation_errors_total%s[%s])) > %d'
            % [sel(), c.errorsRisingWindow, c.errorsRisingCount],
            'warning',
            // increase() extrapolates to the window's edges: the count is an estimate.
            '{{ $labels.server }}: about {{ printf "%%.0f" $value }} conversations failed in %s'
            % c.errorsRisingWindow,
            'More conversations than usual entered ERROR. Press ! in ohtop to list them with their error codes.',
            scope='conversations',
          ),
          alert(
            'OhtopConversationStuck',
            'ohtop_conversations_needing_attention%s > 0' % sel('reason="stuck"'),
            'warning',
            '{{ $labels.server }}: {{ $value }} conversation(s) stuck for %s' % c.stuckFor,
            'Conversations are RUNNING but their agent has not moved. Open the A queue in ohtop; interrupt or message them.',
            c.stuckFor,
            'conversations',
          ),
          alert(
            'OhtopWaitingForConfirmation',
            'ohtop_conversations_needing_attention%s > 0' % sel('reason="waiting_for_confirmation"'),
            'info',
            '{{ $labels.server }}: {{ $value }} conversation(s) waiting for confirmation for %s' % c.waitingFor,
            'An agent asked a person to approve an action. Approve or reject it from the A queue (ohtop --allow-actions).',
            c.waitingFor,
            'conversations',
          ),
          alert(
            'OhtopConversationSilent',
            'ohtop_conversations_needing_attention%s > 0' % sel('reason="silent"'),
            'warning',
            '{{ $labels.server }}: {{ $value }} RUNNING conversation(s) with nothing heard',
            'ohtop hears no events from RUNNING conversations: their streams are down or the agents are hung.',
            c.silentFor,
            'conversations',
          ),
          alert(
            'OhtopStreamsFailing',
            'ohtop_streams%s > 0' % sel('state="failed"'),
            'warning',
            '{{ $labels.server }}: {{ $value }} live stream(s) failed (auth or not found)',
            'Live event streams were refused; their conversations are polled instead, more slowly.',
            c.streamsFailingFor,
            'conversations',
          ),
        ],
      },
      {
        name: 'ohtop-servers',
        rules: [
          alert(
            'OhtopServerDown',
            'ohtop_server_up%s == 0' % sel(),
            'critical',
            'ohtop cannot read {{ $labels.server }} for %s' % c.serverDownFor,
            'The server does not answer or refuses ohtop. Its conversation alerts are held back until it answers again.',
            c.serverDownFor,
          ),
          alert(
            'OhtopRequestBudgetExhausted',
            'ohtop_request_budget_used_ratio%s > %g' % [sel(), c.budgetRatio],
            'warning',
            '{{ $labels.server }}: ohtop uses {{ $value | humanizePercentage }} of its request budget',
            'Conversations will go stale: raise the budget (rate) or watch fewer conversations.',
            c.budgetFor,
          ),
        ],
      },
      {
        name: 'ohtop-exporters',
        rules: [
          alert(
            'OhtopExporterDown',
            'up%s == 0' % sel(),
            'critical',
            'Prometheus cannot scrape ohtop exporter at {{ $labels.instance }}',
            'The servers of this exporter (its shard) are not watched while it is down.',
            c.exporterDownFor,
          ),
          alert(
            'OhtopShardingMismatch',
            'stdvar by (job) (ohtop_total_shards%s) != 0' % sel(),
            'critical',
            '{{ $labels.job }}: the ohtop exporters disagree on --total-shards',
            'Exporters started with different --total-shards split the servers differently: some are watched twice, some not at all.',
            c.shardingFor,
          ),
          alert(
            'OhtopShardsMissing',
            ('max by (job) (ohtop_total_shards%s)'
             + ' - count by (job) (count by (job, shard) (ohtop_shard_ordinal%s)) > 0')
            % [sel(), sel()],
            'critical',
            '{{ $labels.job }}: {{ $value }} ohtop shard(s) missing',
            'Fewer distinct --shard ordinals are scraped than --total-shards says: the servers of the missing shards are not watched.',
            c.shardingFor,
          ),
        ],
      },
    ],
  },
}
