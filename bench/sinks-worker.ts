/**
 * The receiver side of bench/sinks.ts, in its own thread (the other core), so that a receiver's
 * parsing does not share the event loop with the sshtrail pipeline being measured. Receivers
 * count events (parsed as the real server would) instead of keeping them.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ElasticsearchReceiver } from '../test/receivers/elasticsearch.js';
import { FluentdReceiver } from '../test/receivers/fluentd.js';
import { SplunkHecReceiver } from '../test/receivers/splunk-hec.js';

const kind = (workerData as { kind: string; token: string }).kind;
const token = (workerData as { kind: string; token: string }).token;

async function main(): Promise<void> {
  let count: () => number;
  let address: Record<string, unknown>;
  let stop: () => Promise<void>;
  if (kind === 'elasticsearch') {
    const r = new ElasticsearchReceiver();
    r.keep = false;
    await r.start();
    count = () => r.received;
    address = { url: r.url };
    stop = () => r.stop();
  } else if (kind === 'splunk_hec') {
    const r = new SplunkHecReceiver(token);
    r.keep = false;
    await r.start();
    count = () => r.received;
    address = { url: r.url };
    stop = () => r.stop();
  } else {
    const r = new FluentdReceiver();
    r.keep = false;
    await r.start();
    count = () => r.received;
    address = { port: r.port };
    stop = () => r.close();
  }
  parentPort?.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'count') parentPort?.postMessage({ count: count() });
    else if (m.cmd === 'stop') void stop().then(() => parentPort?.postMessage({ stopped: true }));
  });
  // This thread's id (for the bench's per-thread CPU accounting on Linux).
  let tid: number | undefined;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    tid = undefined;
  }
  parentPort?.postMessage({ ready: true, tid, ...address });
}

void main();
