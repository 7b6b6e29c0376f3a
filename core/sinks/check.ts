/**
 * `sshtrail sinks test` for any sink, written once: the sink's optional preflight (what a send
 * alone cannot tell apart, such as the cluster, its templates or HEC's health; or just what an ok
 * means for this transport), then one real send of the marked test event, and one line saying how
 * it went. The CLI's `sinks test` calls `startAndCheck` per configured sink; nothing here is
 * sink-specific (a sink adds what it must through its optional `preflight`, `checkTimeoutMs` and
 * `checkTarget`).
 */
import type { AuditEvent, Sink, SinkCheckResult } from './sink.js';

const DEFAULT_CHECK_TIMEOUT_MS = 15_000;

export async function checkSink(sink: Sink, event: AuditEvent): Promise<SinkCheckResult> {
  let note = '';
  if (sink.preflight) {
    const p = await sink.preflight();
    if (!p.ok) return p;
    note = p.detail;
  }
  const r = await sink.send([event], AbortSignal.timeout(sink.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS));
  const o = r.kind === 'batch' ? r.outcome : r.outcomes[0];
  if (o?.status === 'sent')
    return { ok: true, detail: `ok (${note ? `${note}; ` : ''}test event ${event.id})` };
  const why = o && 'error' in o ? (o.error ?? o.status) : 'no outcome';
  const target = sink.checkTarget?.(event);
  return { ok: false, detail: target ? `${target}: ${why}` : why };
}

/** A freshly built sink: its start-up work first (a failure there is the detail), then the check. */
export async function startAndCheck(sink: Sink, event: AuditEvent): Promise<SinkCheckResult> {
  try {
    await sink.start?.();
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
  return checkSink(sink, event);
}
