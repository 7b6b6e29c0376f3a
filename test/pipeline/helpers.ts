/** Shared test material: the sample events split back into what a producer passes to emit. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AuditEmitter,
  ConnectionContext,
  EventTime,
  SessionContext,
} from '../../core/events/emitter.js';
import type { EventType, FieldsOf } from '../../core/events/event.js';
import { packageRoot } from '../../core/paths.js';
import type { AuditEvent, SendResult, Sink, SinkType } from '../../core/sinks/sink.js';
import { fileSinkType } from '../../sinks/file/sink.js';
import { moduleSinkType } from '../../sinks/module/sink.js';
import { stdoutSinkType } from '../../sinks/stdout/sink.js';

/** The sink types of this area (the registry also pulls in the SIEM sinks, tested elsewhere). */
export const localSinkTypes = [fileSinkType, stdoutSinkType, moduleSinkType] as unknown as SinkType[];

export const samplesDir = join(packageRoot(), 'examples', 'events');

export function sample(type: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(samplesDir, `${type}.json`), 'utf8')) as Record<string, unknown>;
}

export function sampleTypes(): string[] {
  return readdirSync(samplesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

const STAMPED = new Set(['type', 'schema', 'id', 'time', 'seq', 'server_id', 'hostname']);
const CONTEXT = new Set(['session_id', 'login', 'user', 'client_addr', 'client_port']);

/** A sample event as a producer would emit it: (type, fields, context). */
export function asEmit<T extends EventType>(
  type: T,
): { fields: FieldsOf<T>; context: SessionContext | ConnectionContext | undefined };
export function asEmit(type: string): {
  fields: Record<string, unknown>;
  context: SessionContext | ConnectionContext | undefined;
};
export function asEmit(type: string): {
  fields: Record<string, unknown>;
  context: SessionContext | ConnectionContext | undefined;
} {
  const ev = sample(type);
  const fields: Record<string, unknown> = {};
  const ctx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) {
    if (STAMPED.has(k)) continue;
    if (CONTEXT.has(k)) ctx[k] = v;
    else fields[k] = v;
  }
  return { fields, context: Object.keys(ctx).length ? (ctx as unknown as SessionContext) : undefined };
}

/** A sink type whose sinks are driven by the test through `behaviour`. */
export function scriptedSinkType(
  behaviour: (batch: readonly AuditEvent[], signal: AbortSignal) => Promise<SendResult>,
  record: AuditEvent[][] = [],
): SinkType & { batches: AuditEvent[][] } {
  return {
    type: 'scripted',
    description: 'test sink',
    configSchema: { type: 'object' },
    batches: record,
    create: (_o, ctx): Sink => ({
      name: ctx.name,
      send: async (batch, signal) => {
        const r = await behaviour(batch, signal);
        record.push([...batch]);
        return r;
      },
      close: async () => {},
    }),
  };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The pipeline as these tests drive it: any type and fields, the invalid ones included, which the
 * pipeline must count at run time (emit's types refuse them at compile time in sshtrail's code).
 */
export interface LooseEmitter {
  emit(type: string, fields: unknown, context?: unknown, at?: EventTime): void;
}
export const loose = (e: AuditEmitter): LooseEmitter => e as unknown as LooseEmitter;
