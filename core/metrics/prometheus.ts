/**
 * Renders pipeline statistics as Prometheus text (exposition format 0.0.4). Counters end in
 * _total; every metric has HELP and TYPE lines.
 */
import type { PipelineStats } from '../pipeline/index.js';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Out {
  readonly lines: string[] = [];
  metric(
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: [Record<string, string>, number][],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) this.lines.push(`${name}${labels(l)} ${v}`);
  }
}

export function renderMetrics(s: PipelineStats): string {
  const o = new Out();
  o.metric(
    'sshtrail_events_emitted_total',
    'counter',
    'Valid events stamped and handed to the sinks, by type.',
    Object.entries(s.emitted).map(([type, n]) => [{ type }, n]),
  );
  o.metric(
    'sshtrail_events_invalid_total',
    'counter',
    'Events that failed validation (producer bugs); never sent.',
    [[{}, s.invalid]],
  );
  o.metric(
    'sshtrail_sink_events_sent_total',
    'counter',
    'Events a sink reported as delivered.',
    s.sinks.map((k) => [{ sink: k.name, type: k.type }, k.sent]),
  );
  const dropped: [Record<string, string>, number][] = [];
  for (const k of s.sinks) {
    for (const [reason, n] of Object.entries(k.dropped)) dropped.push([{ sink: k.name, reason }, n ?? 0]);
  }
  o.metric('sshtrail_sink_events_dropped_total', 'counter', 'Events a sink lost, by reason.', dropped);
  o.metric(
    'sshtrail_sink_events_retried_total',
    'counter',
    'Event sends retried after a transient failure.',
    s.sinks.map((k) => [{ sink: k.name }, k.retries]),
  );
  o.metric(
    'sshtrail_sink_queue_length',
    'gauge',
    'Events queued for a sink, including the batch being sent.',
    s.sinks.map((k) => [{ sink: k.name }, k.queued]),
  );
  o.metric(
    'sshtrail_sink_queue_capacity',
    'gauge',
    'Capacity of a sink queue (buffer.max_events).',
    s.sinks.map((k) => [{ sink: k.name }, k.capacity]),
  );
  o.metric(
    'sshtrail_events_lost_total',
    'counter',
    'All losses by source (sink:<name>, bpf:<program>, pipeline) and reason.',
    s.loss.map((l) => [{ source: l.source, reason: l.reason }, l.count]),
  );
  o.metric('sshtrail_sessions_active', 'gauge', 'Sessions started and not yet ended.', [
    [{}, s.sessions_active],
  ]);
  o.metric(
    'sshtrail_auth_failures_total',
    'counter',
    'Refused authentication attempts (auth.failure events).',
    [[{}, s.auth_failures]],
  );
  return `${o.lines.join('\n')}\n`;
}
