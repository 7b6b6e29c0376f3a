/**
 * Each SIEM sink behind the real pipeline (core/pipeline): events emitted while the receiver is
 * down are queued up to the buffer and the rest counted; when the receiver comes back, delivery
 * resumes and the audit.loss event reporting the drops reaches that same receiver.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import { sinkTypes } from '../../sinks/registry.js';
import { asEmit, loose } from '../pipeline/helpers.js';
import { ElasticsearchReceiver } from '../receivers/elasticsearch.js';
import { FluentdReceiver } from '../receivers/fluentd.js';
import { RSYSLOGD, RsyslogReceiver } from '../receivers/rsyslog.js';
import { SplunkHecReceiver } from '../receivers/splunk-hec.js';

const EMITTED = 20;

interface Seen {
  commands: number;
  /** audit.loss events about sink:siem: their counts. */
  losses: { reason: string; count: number }[];
}

interface Receiver {
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
  seen(): Seen;
  sinkConfig(): Record<string, unknown>;
}

const isLoss = (r: Record<string, unknown>) => r.type === 'audit.loss' && r.source === 'sink:siem';
const summarise = (records: Record<string, unknown>[]): Seen => ({
  commands: records.filter((r) => r.type === 'session.command').length,
  losses: records.filter(isLoss).map((r) => ({ reason: r.reason as string, count: r.count as number })),
});

const TOKEN = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

const receivers: Record<string, () => Receiver> = {
  elasticsearch: () => {
    const r = new ElasticsearchReceiver();
    return {
      start: () => r.start(),
      stop: () => r.stop(),
      close: () => r.stop(),
      seen: () => summarise(r.docs().map((d) => d.sshtrail as Record<string, unknown>)),
      sinkConfig: () => ({ type: 'elasticsearch', nodes: [r.url] }),
    };
  },
  splunk_hec: () => {
    const r = new SplunkHecReceiver(TOKEN);
    return {
      start: () => r.start(),
      stop: () => r.stop(),
      close: () => r.stop(),
      seen: () => summarise(r.events.map((e) => e.event)),
      sinkConfig: () => ({ type: 'splunk_hec', endpoint: r.url, token: TOKEN }),
    };
  },
  fluentd: () => {
    const r = new FluentdReceiver();
    return {
      start: () => r.start(),
      stop: () => r.stop(),
      close: () => r.close(),
      seen: () => summarise(r.entries.map((e) => e.record)),
      sinkConfig: () => ({
        type: 'fluentd',
        host: '127.0.0.1',
        port: r.port,
        connect_timeout_ms: 200,
        reconnect: { delay_ms: 20, max_delay_ms: 100 },
      }),
    };
  },
  syslog: () => {
    const r = new RsyslogReceiver();
    return {
      start: () => r.start(),
      stop: () => r.stop(),
      close: () => r.close(),
      seen: () => summarise(r.records().map((x) => JSON.parse(x.msg) as Record<string, unknown>)),
      sinkConfig: () => ({ type: 'syslog', host: '127.0.0.1', port: r.port, connect_timeout_ms: 500 }),
    };
  },
};

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

describe('SIEM sinks through the real pipeline', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sshtrail-sinks-pipeline-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  for (const [type, make] of Object.entries(receivers)) {
    test(`${type}: after the receiver recovers, queued events and the audit.loss for the drops reach it`, async (t) => {
      if (type === 'syslog' && !existsSync(RSYSLOGD)) return t.skip(`${RSYSLOGD} not installed`);
      const rx = make();
      await rx.start(); // learn the port, then go down
      await rx.stop();
      const pipeline = await startPipeline({
        config: {
          sinks: [
            {
              ...rx.sinkConfig(),
              name: 'siem',
              buffer: { max_events: 5, when_full: 'drop_newest' },
              batch: { max_events: 10, timeout_ms: 10 },
              retry: { initial_ms: 20, max_ms: 100, max_attempts: 0 },
            },
          ],
          pipeline: { loss_report_interval_ms: 200 },
        },
        sinkTypes,
        dataDir,
        logger: silentLogger,
      });
      try {
        const { fields, context } = asEmit('session.command');
        for (let i = 0; i < EMITTED; i++)
          loose(pipeline).emit('session.command', { ...fields, pid: 5000 + i }, context);
        await rx.start();
        // Drops are counted by the pipeline; which report carries which count is its business.
        // Here: delivery resumes, and an audit.loss about this sink's queue_full drops arrives.
        const done = await until(() => {
          const s = rx.seen();
          return s.commands > 0 && s.losses.some((l) => l.reason === 'queue_full' && l.count > 0);
        });
        const s = rx.seen();
        assert.ok(done, `delivered ${s.commands} commands, losses ${JSON.stringify(s.losses)}`);
        assert.ok(s.commands <= 5, 'no more than the buffer held was delivered from the outage');
      } finally {
        await pipeline.close(2000);
        await rx.close();
      }
    });
  }
});
