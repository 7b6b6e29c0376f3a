/**
 * The event pipeline: stamp → validate → fan out to one bounded queue per sink. `emit` is
 * synchronous and never waits; everything that cannot be delivered is counted by sink and reason
 * and reported in-stream as audit.loss events (periodically and at shutdown).
 */
import { hostname as osHostname } from 'node:os';
import { SshtrailError } from '../errors.js';
import type { AuditEmitter, ConnectionContext, EventTime, SessionContext } from '../events/emitter.js';
import type { AuditEvent, EventType, FieldsOf, LossReason } from '../events/event.js';
import { type SchemaSet, shippedSchemas } from '../events/schemas.js';
import type { Logger } from '../log.js';
import type { Sink, SinkType } from '../sinks/sink.js';
import { LossLedger } from './loss.js';
import { openSink } from './open-sink.js';
import { type PipelineConfig, type PipelineSettings, resolveSettings } from './options.js';
import { SinkRunner, type SinkStats } from './sink-runner.js';
import { InvalidEvent, Stamper, type TypeInfo } from './stamper.js';

export type { PipelineConfig } from './options.js';

export interface PipelineStats {
  emitted: Record<string, number>;
  invalid: number;
  sinks: SinkStats[];
  /** Totals since start, by source and reason (sinks, the pipeline, and producers' own audit.loss reports). */
  loss: { source: string; reason: LossReason; count: number }[];
  sessions_active: number;
  auth_failures: number;
}

export interface Pipeline extends AuditEmitter {
  endSession(sessionId: string): void;
  /** Sends what is queued within the deadline, then reports what could not be delivered. Runs once. */
  close(deadlineMs?: number): Promise<void>;
  stats(): PipelineStats;
  /** Sends the drops counted since the last report as audit.loss events now (also runs on a timer). */
  reportLoss(): void;
}

export interface StartPipelineOptions {
  config: PipelineConfig;
  sinkTypes: readonly SinkType[];
  dataDir: string;
  serverId?: string;
  hostname?: string;
  logger: Logger;
  /** Schemas to stamp with (default: the ones shipped in schemas/). */
  schemas?: SchemaSet;
  /** Observes every loss as it is counted (tests, diagnostics). `events` is empty for invalid events. */
  onLoss?: (source: string, events: readonly AuditEvent[], reason: LossReason) => void;
}

/** How long the final loss report may take per local sink, after shutdown's deadline. */
const FINAL_REPORT_MS = 1000;

/** One send of the final report, bounded; true when the sink took all of it. */
async function sendFinal(sink: Sink, events: readonly AuditEvent[]): Promise<boolean> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error('final loss report timed out'));
      resolve(false);
    }, FINAL_REPORT_MS);
  });
  const send = Promise.resolve()
    .then(() => sink.send(events, ac.signal))
    .then(
      (r) =>
        r.kind === 'batch' ? r.outcome.status === 'sent' : r.outcomes.every((o) => o.status === 'sent'),
      () => false,
    );
  try {
    return await Promise.race([send, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startPipeline(opts: StartPipelineOptions): Promise<Pipeline> {
  const settings = resolveSettings(opts.config, opts.sinkTypes);
  const hostname = opts.hostname ?? osHostname();
  const serverId = opts.serverId ?? hostname;
  const runners: SinkRunner[] = [];
  const impl = new PipelineImpl(settings, opts, serverId, hostname, runners);
  try {
    for (const s of settings.sinks) {
      const logger = opts.logger.child({ sink: s.name });
      const sink = await openSink(s, { logger, dataDir: opts.dataDir, hostname, serverId }).catch(
        (err: unknown) => {
          throw new SshtrailError(
            'SSHTRAIL_E_SINK',
            `sink '${s.name}' (${s.type}) could not be created: ${String(err)}`,
            { cause: err },
          );
        },
      );
      runners.push(new SinkRunner(s, sink, impl.onDrop, logger));
      sink
        .start?.()
        .catch((err: unknown) => logger.warn('sink start-up failed; sending anyway', { error: String(err) }));
    }
  } catch (err) {
    await Promise.allSettled(runners.map((r) => r.sink.close()));
    throw err;
  }
  impl.start();
  return impl;
}

class PipelineImpl implements Pipeline {
  private readonly stamper: Stamper;
  private readonly ledger: LossLedger;
  /** Per event type: its schema information and the sinks that take it (one lookup per event). */
  private readonly routes = new Map<string, { info: TypeInfo; targets: SinkRunner[] }>();
  private lossTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private halted = false;
  private lateWarned = false;
  private invalid = 0;
  private sessionsActive = 0;
  private authFailures = 0;

  constructor(
    private readonly settings: PipelineSettings,
    private readonly opts: StartPipelineOptions,
    serverId: string,
    hostname: string,
    private readonly runners: SinkRunner[],
  ) {
    this.stamper = new Stamper(opts.schemas ?? shippedSchemas(), serverId, hostname, settings.validation);
    this.ledger = new LossLedger(() => this.stamper.clock.now());
  }

  readonly onDrop = (runner: SinkRunner, events: readonly AuditEvent[], reason: LossReason): void => {
    this.ledger.record(runner.source, reason, events.length);
    this.opts.onLoss?.(runner.source, events, reason);
  };

  start(): void {
    for (const [type, info] of this.stamper.types)
      this.routes.set(type, { info, targets: this.runners.filter((r) => r.accepts(type)) });
    this.lossTimer = setInterval(() => this.reportLoss(), this.settings.loss_report_interval_ms);
    this.lossTimer.unref();
  }

  emit<T extends EventType>(
    type: T,
    fields: FieldsOf<T>,
    context?: SessionContext | ConnectionContext,
    at?: EventTime,
  ): void {
    try {
      this.publish(type, fields, context, false, at);
    } catch (err) {
      // emit never throws into a producer: whatever went wrong is a bug, counted like an invalid event.
      this.rejectInvalid(String(type), `emit failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** `fields` are typed by `emit`'s callers; here they are what the stamper validates. */
  private publish(
    type: string,
    fields: object,
    context: SessionContext | ConnectionContext | undefined,
    internal: boolean,
    at?: EventTime,
  ): void {
    if (this.halted) {
      if (!this.lateWarned) {
        this.lateWarned = true;
        this.opts.logger.warn(
          'event emitted after the pipeline closed: lost (counted as pipeline/shutdown)',
          { type },
        );
      }
      this.ledger.record('pipeline', 'shutdown', 1);
      this.opts.onLoss?.('pipeline', [], 'shutdown');
      return;
    }
    const route = this.routes.get(type);
    if (route === undefined) {
      this.rejectInvalid(String(type), this.stamper.unknownTypeMessage());
      return;
    }
    const { info: t, targets } = route;
    const isLoss = type === 'audit.loss';
    // Under overload every queue may be full with drop_newest: the event is doomed, so it is
    // validated and numbered (its seq is the gap) but never timed, identified or serialised.
    let doomed = !isLoss;
    for (let i = 0; doomed && i < targets.length; i++) doomed = targets[i]!.dropsNext();
    const ev = this.stamper.stamp(t, fields, context, doomed, at);
    if (ev instanceof InvalidEvent) {
      this.rejectInvalid(ev.type, ev.invalid);
      return;
    }
    t.emitted++;
    if (type === 'session.start') this.sessionsActive++;
    else if (type === 'session.end') this.sessionsActive = Math.max(0, this.sessionsActive - 1);
    else if (type === 'auth.failure') this.authFailures++;
    // Producers' own loss reports (e.g. bpf:command ring_full) count in the totals, not in our windows.
    if (isLoss && !internal) {
      // Validated as audit.loss's fields just now.
      const loss = fields as FieldsOf<'audit.loss'>;
      this.ledger.recordTotalOnly(loss.source, loss.reason, loss.count);
    }
    for (let i = 0; i < targets.length; i++) targets[i]!.enqueue(ev, isLoss);
  }

  private rejectInvalid(type: string, why: string): void {
    this.invalid++;
    const t = this.stamper.types.get(type);
    const n = t ? ++t.invalid : this.invalid;
    // An invalid event is a bug: say so loudly but do not flood the log.
    if (n <= 10 || n % 1000 === 0) {
      this.opts.logger.error('invalid event dropped (a bug in its producer)', { type, error: why, count: n });
    }
    this.ledger.record('pipeline', 'invalid', 1);
    this.opts.onLoss?.('pipeline', [], 'invalid');
  }

  endSession(sessionId: string): void {
    this.stamper.endSession(sessionId);
  }

  reportLoss(): void {
    const { windows, window_end } = this.ledger.take();
    for (const w of windows) {
      this.opts.logger.warn('events lost', { source: w.source, reason: w.reason, count: w.count });
      const loss: FieldsOf<'audit.loss'> = {
        source: w.source,
        reason: w.reason,
        count: w.count,
        window_start: w.window_start,
        window_end,
      };
      this.publish('audit.loss', loss, undefined, true);
    }
  }

  close(deadlineMs: number = this.settings.shutdown_deadline_ms): Promise<void> {
    this.closing ??= this.shutdown(deadlineMs);
    return this.closing;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    if (this.lossTimer) clearInterval(this.lossTimer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    // Losses counted while draining (rejections, evictions by the report itself) get their own
    // report while time allows; a few rounds settle it, the deadline bounds it.
    for (let round = 0; round < 8; round++) {
      this.reportLoss();
      const r = await Promise.race([Promise.all(this.runners.map((s) => s.drain())), deadline]);
      if (r === 'deadline' || this.ledger.pending() === 0) break;
    }
    clearTimeout(timer);
    this.halted = true;
    for (const r of this.runners) r.abandon();
    await this.finalReport();
    await Promise.allSettled(this.runners.map((r) => r.sink.close()));
  }

  /**
   * What could not be delivered by the deadline (and what was lost on the way there) is stamped
   * as audit.loss and written once more, straight to the local sinks (a file: cheap, and the
   * record an auditor reads first), so the gap is told in the stream, not only in the log. A
   * network sink is not tried again: it is what failed to take the events in time.
   */
  private async finalReport(): Promise<void> {
    const { windows, window_end } = this.ledger.take();
    if (windows.length === 0) return;
    const route = this.routes.get('audit.loss');
    const events: AuditEvent[] = [];
    for (const w of windows) {
      if (route === undefined) break;
      const fields: FieldsOf<'audit.loss'> = {
        source: w.source,
        reason: w.reason,
        count: w.count,
        window_start: w.window_start,
        window_end,
      };
      const ev = this.stamper.stamp(route.info, fields, undefined, false);
      if (!(ev instanceof InvalidEvent)) events.push(ev);
    }
    const local = this.runners.filter((r) => r.sink.local === true);
    const results = await Promise.all(local.map((r) => sendFinal(r.sink, events)));
    const reportedIn = local.filter((_, i) => results[i]).map((r) => r.name);
    for (const w of windows) {
      const fields = { source: w.source, reason: w.reason, count: w.count };
      if (reportedIn.length > 0)
        this.opts.logger.warn('undelivered at shutdown (reported as audit.loss in the local sinks only)', {
          ...fields,
          reported_in: reportedIn.join(','),
        });
      else this.opts.logger.warn('undelivered at shutdown (not reported in the event stream)', fields);
    }
  }

  stats(): PipelineStats {
    const emitted: Record<string, number> = {};
    for (const [type, t] of this.stamper.types) emitted[type] = t.emitted;
    return {
      emitted,
      invalid: this.invalid,
      sinks: this.runners.map((r) => r.stats()),
      loss: this.ledger.allTotals(),
      sessions_active: this.sessionsActive,
      auth_failures: this.authFailures,
    };
  }
}
