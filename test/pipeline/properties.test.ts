/**
 * Property tests of the pipeline's accounting, for one batch in flight (the strict case: a retry
 * resends exactly its events, in order) and for several at once (max_in_flight > 1, answers to
 * any outstanding send in any order). Over random schedules of emits and answers (sent, retry,
 * rejected, thrown, mixed), checked against a model of the queue: accepted = sent + dropped +
 * queued holds at every step, drop_newest and drop_oldest drop exactly the events they should,
 * the gaps in each session's seq are exactly the drops, and audit.loss adds up; plus the cap
 * itself and shutdown with several batches outstanding.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SessionContext } from '../../core/events/emitter.js';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import type { AuditEvent, EventOutcome, LossReason, SendResult, SinkType } from '../../core/sinks/sink.js';
import { SENT } from '../../core/sinks/sink.js';
import { asEmit, loose, scriptedSinkType, waitFor } from './helpers.js';

type Answer = 'sent' | 'retry' | 'rejected' | 'throw' | 'mixed';
type Action =
  | { kind: 'emit'; session: number }
  | { kind: 'answer'; answer: Answer; mask: number[]; pick: number }
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
      pick: fc.nat({ max: 7 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
);

const key = (ev: AuditEvent) => `${ev.session_id ?? '-'}:${ev.seq}`;
const settle = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Flight {
  keys: string[];
  attempts: number;
  retryPending: boolean;
}

/** The queue as the spec describes it, with up to `maxInFlight` batches out at once. */
class Model {
  ring: string[] = [];
  flights: Flight[] = [];
  received = new Set<string>();
  dropped = new Map<string, LossReason>();
  constructor(
    readonly cap: number,
    readonly whenFull: 'drop_newest' | 'drop_oldest',
    readonly batchMax: number,
    readonly maxAttempts: number,
    readonly maxInFlight: number,
  ) {}
  get inflight(): number {
    return this.flights.reduce((n, f) => n + f.keys.length, 0);
  }
  emit(k: string) {
    if (this.ring.length + this.inflight >= this.cap) {
      // drop_oldest evicts the oldest *waiting* event; events being sent are not taken back.
      if (this.whenFull === 'drop_newest' || this.ring.length === 0) {
        this.dropped.set(k, 'queue_full');
        return;
      }
      this.dropped.set(this.ring.shift()!, 'queue_full');
    }
    this.ring.push(k);
  }
  send(batch: string[]): Flight {
    const again = this.flights.find((f) => f.retryPending && f.keys[0] === batch[0]);
    if (again) {
      assert.deepEqual(batch, again.keys, 'a retry resends exactly the events to retry, in order');
      again.retryPending = false;
      return again;
    }
    assert.ok(this.flights.length < this.maxInFlight, `at most ${this.maxInFlight} batches in flight`);
    assert.equal(
      batch.length,
      Math.min(this.batchMax, this.ring.length),
      'a batch takes what is queued, up to max_events',
    );
    assert.deepEqual(batch, this.ring.slice(0, batch.length), 'batches leave the queue in order');
    this.ring.splice(0, batch.length);
    const f = { keys: batch, attempts: 0, retryPending: false };
    this.flights.push(f);
    return f;
  }
  answer(f: Flight, outcomes: EventOutcome[]) {
    const retry: string[] = [];
    f.keys.forEach((k, i) => {
      const o = outcomes[i]!;
      if (o.status === 'sent') this.received.add(k);
      else if (o.status === 'rejected') this.dropped.set(k, 'rejected');
      else retry.push(k);
    });
    f.attempts++;
    if (retry.length && f.attempts >= this.maxAttempts) {
      for (const k of retry) this.dropped.set(k, 'retries_exhausted');
      f.keys = [];
    } else {
      f.keys = retry;
      f.retryPending = retry.length > 0;
    }
    if (f.keys.length === 0) this.flights.splice(this.flights.indexOf(f), 1);
  }
}

interface Outstanding {
  batch: readonly AuditEvent[];
  flight: Flight | undefined;
  resolve: (r: SendResult) => void;
  reject: (e: Error) => void;
}

async function run(actions: Action[], whenFull: 'drop_newest' | 'drop_oldest', maxInFlight: number) {
  const cap = 7;
  const batchMax = 2;
  const maxAttempts = 3;
  const model = new Model(cap, whenFull, batchMax, maxAttempts, maxInFlight);
  const outstanding: Outstanding[] = [];
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
        const flight = modelOn ? model.send(batch.map(key)) : undefined;
        if (autopilot) {
          received.push(...batch);
          return Promise.resolve(SENT);
        }
        assert.ok(outstanding.length < maxInFlight, `never more than ${maxInFlight} sends at once`);
        return new Promise<SendResult>((resolve, reject) => {
          outstanding.push({ batch, flight, resolve, reject });
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
          max_in_flight: maxInFlight,
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
    assert.equal(s.queued, model.ring.length + model.inflight, 'queued as the model says');
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
        loose(p).emit('auth.failure', auth.fields, auth.context);
        model.emit(`-:${++serverSeq}`);
      } else {
        loose(p).emit('session.command', cmd.fields, contexts[a.session]);
        model.emit(`s${a.session}:${++emitted[a.session]!}`);
      }
    } else if (a.kind === 'answer' && outstanding.length > 0) {
      // Any outstanding send may be answered first: acknowledgements come back in any order.
      const [o] = outstanding.splice(a.pick % outstanding.length, 1);
      const { batch, flight, resolve, reject } = o!;
      const kinds: EventOutcome[] = batch.map((_, i) => {
        const pick =
          a.answer === 'mixed' ? (['sent', 'retry', 'rejected'] as const)[a.mask[i % 8]!]! : a.answer;
        if (pick === 'sent') return { status: 'sent' };
        if (pick === 'rejected') return { status: 'rejected', error: 'mapping conflict' };
        return { status: 'retry', error: 'busy' };
      });
      model.answer(flight!, kinds);
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
    await settle();
    invariant();
    matchesModel();
  }

  // Wind down: the sink recovers and answers everything; close reports the losses and drains.
  modelOn = false;
  autopilot = true;
  for (const { batch, resolve } of outstanding.splice(0)) {
    received.push(...batch);
    resolve(SENT);
  }
  await p.close(30_000);
  invariant();
  const s = stats();
  assert.equal(s.queued, 0, 'close drained the queue');

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
  const reported: Partial<Record<LossReason, number>> = {};
  for (const e of observed) {
    if (e.type === 'audit.loss' && e.source === 'sink:scripted') {
      reported[e.reason as LossReason] = (reported[e.reason as LossReason] ?? 0) + (e.count as number);
    }
  }
  assert.deepEqual(reported, s.dropped, 'audit.loss counts add up to the drops');
}

for (const whenFull of ['drop_newest', 'drop_oldest'] as const) {
  for (const maxInFlight of [1, 2, 3]) {
    test(`max_in_flight ${maxInFlight}, ${whenFull}: accounting holds at every step, the right events are kept, gaps match drops, audit.loss adds up`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 80 }), (actions) =>
          run(actions, whenFull, maxInFlight),
        ),
        { numRuns: maxInFlight === 1 ? 40 : 30 },
      );
    });
  }
}

test('max_in_flight caps the batches out at once; shutdown counts every outstanding batch as lost', async () => {
  const held: { batch: readonly AuditEvent[]; resolve: (r: SendResult) => void }[] = [];
  let most = 0;
  // Answers only when told.
  const slow = scriptedSinkType(
    (batch) =>
      new Promise<SendResult>((resolve) => {
        held.push({ batch, resolve });
        most = Math.max(most, held.length);
      }),
  );
  const lost: { events: readonly AuditEvent[]; reason: LossReason }[] = [];
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: slow.type,
          buffer: { max_events: 1000 },
          batch: { max_events: 10, timeout_ms: 1 },
          max_in_flight: 3,
        },
      ],
    },
    sinkTypes: [slow],
    dataDir: '/nonexistent',
    logger: silentLogger,
    onLoss: (_s, events, reason) => lost.push({ events, reason }),
  });
  const cmd = asEmit('session.command');
  for (let i = 0; i < 100; i++) loose(p).emit('session.command', cmd.fields, cmd.context);
  await waitFor(() => held.length === 3, 'three batches out');
  await sleep(20);
  assert.equal(held.length, 3, 'no fourth batch while three are unanswered');
  // Answering one lets exactly one more go.
  held.shift()!.resolve(SENT);
  await waitFor(() => held.length === 3, 'the next batch after an answer');
  assert.equal(most, 3);
  let s = p.stats().sinks[0]!;
  assert.equal(s.sent, 10);
  assert.equal(s.queued, 90, '30 in flight and 60 waiting');
  await p.close(30);
  s = p.stats().sinks[0]!;
  assert.equal(s.queued, 0);
  assert.equal(s.dropped.shutdown, 90, 'the three outstanding batches and the waiting events');
  assert.equal(s.accepted, s.sent + s.dropped_total);
  const shutdownKeys = lost.filter((l) => l.reason === 'shutdown').flatMap((l) => l.events.map(key));
  assert.equal(new Set(shutdownKeys).size, 90, 'each lost event counted once');
  for (const h of held) h.resolve(SENT);
});
