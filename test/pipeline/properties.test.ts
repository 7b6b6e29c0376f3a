/**
 * Property tests of the pipeline's accounting over random schedules of emits and sink answers
 * (sent, retry, rejected, per-event mixes, thrown errors, and answers that come late). A model of
 * the queue predicts exactly which events each `when_full` policy keeps and drops; it is checked
 * against what the sink is handed, batch by batch, and against the pipeline's own counters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SessionContext } from '../../core/events/emitter.js';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import type { AuditEvent, EventOutcome, LossReason, SendResult, SinkType } from '../../core/sinks/sink.js';
import { SENT } from '../../core/sinks/sink.js';
import { asEmit } from './helpers.js';

type Answer = 'sent' | 'retry' | 'rejected' | 'throw' | 'mixed';
type Action =
  | { kind: 'emit'; session: number }
  | { kind: 'answer'; answer: Answer; mask: number[] }
  | { kind: 'tick' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('emit' as const), session: fc.integer({ min: -1, max: 2 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      answer: fc.constantFrom<Answer>('sent', 'retry', 'rejected', 'throw', 'mixed'),
      mask: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 8, maxLength: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
);

const key = (ev: AuditEvent) => `${ev.session_id ?? '-'}:${ev.seq}`;
const settle = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The queue as the spec describes it: what must be kept, sent and dropped. */
class Model {
  ring: string[] = [];
  inflight: string[] = [];
  attempts = 0;
  retryPending = false;
  received = new Set<string>();
  dropped = new Map<string, LossReason>();
  constructor(
    readonly cap: number,
    readonly whenFull: 'drop_newest' | 'drop_oldest',
    readonly batchMax: number,
    readonly maxAttempts: number,
  ) {}
  emit(k: string) {
    if (this.ring.length + this.inflight.length >= this.cap) {
      if (this.whenFull === 'drop_newest' || this.ring.length === 0) {
        this.dropped.set(k, 'queue_full');
        return;
      }
      this.dropped.set(this.ring.shift()!, 'queue_full');
    }
    this.ring.push(k);
  }
  send(batch: string[]) {
    if (this.retryPending) {
      assert.deepEqual(batch, this.inflight, 'a retry resends exactly the events to retry, in order');
      this.retryPending = false;
      return;
    }
    assert.equal(this.inflight.length, 0, 'one batch in flight at a time');
    assert.equal(
      batch.length,
      Math.min(this.batchMax, this.ring.length),
      'a batch takes what is queued, up to max_events',
    );
    assert.deepEqual(batch, this.ring.slice(0, batch.length), 'batches leave the queue in order');
    this.ring.splice(0, batch.length);
    this.inflight = batch;
    this.attempts = 0;
  }
  answer(outcomes: EventOutcome[]) {
    const retry: string[] = [];
    this.inflight.forEach((k, i) => {
      const o = outcomes[i]!;
      if (o.status === 'sent') this.received.add(k);
      else if (o.status === 'rejected') this.dropped.set(k, 'rejected');
      else retry.push(k);
    });
    this.attempts++;
    if (retry.length && this.attempts >= this.maxAttempts) {
      for (const k of retry) this.dropped.set(k, 'retries_exhausted');
      this.inflight = [];
    } else {
      this.inflight = retry;
      this.retryPending = retry.length > 0;
    }
  }
}

async function run(actions: Action[], whenFull: 'drop_newest' | 'drop_oldest'): Promise<void> {
  const cap = 5;
  const batchMax = 3;
  const maxAttempts = 3;
  const model = new Model(cap, whenFull, batchMax, maxAttempts);
  let pending:
    | { batch: readonly AuditEvent[]; resolve: (r: SendResult) => void; reject: (e: Error) => void }
    | undefined;
  let autopilot = false;
  let modelOn = true;
  const received: AuditEvent[] = [];
  const scripted: SinkType = {
    type: 'scripted',
    description: 'driven by the schedule',
    configSchema: { type: 'object' },
    create: (_o, ctx) => ({
      name: ctx.name,
      send: (batch) => {
        if (modelOn) model.send(batch.map(key));
        if (autopilot) {
          received.push(...batch);
          return Promise.resolve(SENT);
        }
        assert.equal(pending, undefined, 'never two sends at once');
        return new Promise<SendResult>((resolve, reject) => {
          pending = { batch, resolve, reject };
        });
      },
      close: async () => {},
    }),
  };
  const observed: AuditEvent[] = [];
  const observer: SinkType = {
    type: 'observer',
    description: 'takes everything at once',
    configSchema: { type: 'object' },
    create: (_o, ctx) => ({
      name: ctx.name,
      send: async (batch) => {
        observed.push(...batch);
        return SENT;
      },
      close: async () => {},
    }),
  };
  const lost: { source: string; events: readonly AuditEvent[]; reason: LossReason }[] = [];
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'scripted',
          buffer: { max_events: cap, when_full: whenFull },
          batch: { max_events: batchMax, timeout_ms: 1 },
          retry: { initial_ms: 1, max_ms: 1, max_attempts: maxAttempts },
          request_timeout_ms: 600_000,
          // The model here is of one batch at a time; in-flight.test.ts models several.
          max_in_flight: 1,
        },
        { type: 'observer', buffer: { max_events: 100_000 }, batch: { timeout_ms: 1 } },
      ],
      pipeline: { loss_report_interval_ms: 3_600_000 },
    },
    sinkTypes: [scripted, observer],
    dataDir: '/nonexistent',
    logger: silentLogger,
    onLoss: (source, events, reason) => lost.push({ source, events, reason }),
  });
  const stats = () => p.stats().sinks.find((s) => s.name === 'scripted')!;
  const invariant = () => {
    for (const s of p.stats().sinks) {
      assert.equal(
        s.accepted,
        s.sent + s.dropped_total + s.queued,
        `${s.name}: accepted = sent + dropped + queued`,
      );
      assert.ok(s.queued <= s.capacity, 'the queue stays within its bound');
    }
  };
  const matchesModel = () => {
    const s = stats();
    assert.equal(s.sent, model.received.size, 'sent as the model says');
    assert.equal(s.queued, model.ring.length + model.inflight.length, 'queued as the model says');
    const byReason: Partial<Record<LossReason, number>> = {};
    for (const r of model.dropped.values()) byReason[r] = (byReason[r] ?? 0) + 1;
    assert.deepEqual(s.dropped, byReason, 'dropped by reason as the model says');
    const pipelineDropped = new Map<string, LossReason>();
    for (const l of lost)
      if (l.source === 'sink:scripted') for (const e of l.events) pipelineDropped.set(key(e), l.reason);
    assert.deepEqual(pipelineDropped, model.dropped, 'exactly the events the policy says are dropped');
  };

  const cmd = asEmit('session.command');
  const auth = asEmit('auth.failure');
  const contexts = [0, 1, 2].map((i) => ({ ...(cmd.context as SessionContext), session_id: `s${i}` }));
  const emitted = [0, 0, 0];
  let serverSeq = 0;
  for (const a of actions) {
    if (a.kind === 'emit') {
      if (a.session < 0) {
        p.emit('auth.failure', auth.fields, auth.context);
        model.emit(`-:${++serverSeq}`);
      } else {
        p.emit('session.command', cmd.fields, contexts[a.session]);
        model.emit(`s${a.session}:${++emitted[a.session]!}`);
      }
    } else if (a.kind === 'answer' && pending) {
      const { batch, resolve, reject } = pending;
      pending = undefined;
      const kinds: EventOutcome[] = batch.map((_, i) => {
        const pick =
          a.answer === 'mixed' ? (['sent', 'retry', 'rejected'] as const)[a.mask[i % 8]!]! : a.answer;
        if (pick === 'sent') return { status: 'sent' };
        if (pick === 'rejected') return { status: 'rejected', error: 'mapping conflict' };
        return { status: 'retry', error: 'busy' };
      });
      model.answer(kinds);
      for (const [i, ev] of batch.entries()) if (kinds[i]!.status === 'sent') received.push(ev);
      if (a.answer === 'throw') reject(new Error('connection reset'));
      else if (a.answer === 'mixed') resolve({ kind: 'each', outcomes: kinds });
      else resolve({ kind: 'batch', outcome: kinds[0]! });
      await settle();
      await settle();
    } else if (a.kind === 'tick') {
      await sleep(3);
    }
    invariant();
    if (!pending) await settle();
    invariant();
    matchesModel();
  }

  // Wind down: the sink recovers and answers everything; close reports the losses and drains.
  modelOn = false;
  autopilot = true;
  if (pending) {
    const { batch, resolve } = pending;
    pending = undefined;
    received.push(...batch);
    resolve(SENT);
  }
  await p.close(30_000);
  invariant();
  const s = stats();
  assert.equal(s.queued, 0, 'close drained the queue');

  // The gaps in each session's sequence are exactly the events counted as dropped.
  const droppedKeys = new Set<string>();
  for (const l of lost) if (l.source === 'sink:scripted') for (const e of l.events) droppedKeys.add(key(e));
  const receivedKeys = new Set(received.filter((e) => e.type !== 'audit.loss').map(key));
  for (let i = 0; i < 3; i++) {
    for (let seq = 1; seq <= emitted[i]!; seq++) {
      const k = `s${i}:${seq}`;
      assert.ok(
        receivedKeys.has(k) !== droppedKeys.has(k),
        `${k}: either received or dropped, never both or neither`,
      );
    }
  }
  // The audit.loss events add up to the drops, per reason.
  const reported: Partial<Record<LossReason, number>> = {};
  for (const e of observed) {
    if (e.type === 'audit.loss' && e.source === 'sink:scripted') {
      reported[e.reason as LossReason] = (reported[e.reason as LossReason] ?? 0) + (e.count as number);
    }
  }
  assert.deepEqual(reported, s.dropped, 'audit.loss counts add up to the drops');
}

for (const whenFull of ['drop_newest', 'drop_oldest'] as const) {
  test(`${whenFull}: accounting holds at every step, the right events are kept, gaps match drops, audit.loss adds up`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 80 }), (actions) =>
        run(actions, whenFull),
      ),
      { numRuns: 40 },
    );
  });
}
