/**
 * Checks local chains against audit.checkpoint events exported from a SIEM (NDJSON): a chain
 * rewritten on the host, however consistently, no longer holds the digest the SIEM received
 * for it. Exports come in several wrappings, all read here: the event itself (one per line, as
 * the file sink writes them), an Elasticsearch hit (`_source`), a Splunk export row
 * (`result._raw`, or `_raw`).
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type CheckpointFields, signatureValid } from './checkpoint.js';
import type { Finding, VerifiedChain } from './verify.js';

export interface ShippedCheckpoint {
  /** Line in the export. */
  line: number;
  time: string;
  fields: CheckpointFields;
}

function unwrap(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (o.type !== undefined) return o;
  if (o._source !== undefined) return unwrap(o._source);
  if (o.result !== undefined) return unwrap(o.result);
  if (typeof o._raw === 'string') {
    try {
      return JSON.parse(o._raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The checkpoints in an export; other events are skipped, unreadable lines reported. */
export function readCheckpoints(path: string): { checkpoints: ShippedCheckpoint[]; problems: string[] } {
  const checkpoints: ShippedCheckpoint[] = [];
  const problems: string[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [i, text] of lines.entries()) {
    if (!text.trim()) continue;
    let v: unknown;
    try {
      v = unwrap(JSON.parse(text));
    } catch {
      problems.push(`${path} line ${i + 1}: not JSON`);
      continue;
    }
    const e = v as { type?: unknown; time?: unknown; files?: unknown } | undefined;
    if (e?.type !== 'audit.checkpoint') continue;
    if (!Array.isArray(e.files)) {
      problems.push(`${path} line ${i + 1}: an audit.checkpoint without files`);
      continue;
    }
    checkpoints.push({ line: i + 1, time: String(e.time ?? '?'), fields: e as unknown as CheckpointFields });
  }
  return { checkpoints, problems };
}

export interface AnchorOptions {
  /** Only entries for these chains are checked (files named on the command line); all otherwise. */
  only?: (entry: { chain_id: string; file: string }) => boolean;
  publicKey?: KeyObject;
  exportPath: string;
}

export function checkAnchors(chains: VerifiedChain[], cps: ShippedCheckpoint[], o: AnchorOptions): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map(chains.map((c) => [c.header.id, c]));
  const anchored = new Map<string, { length: number; time: string }>();
  for (const cp of cps) {
    const at = `the checkpoint of ${cp.time} (${o.exportPath} line ${cp.line})`;
    if (o.publicKey && !signatureValid(cp.fields, o.publicKey)) {
      findings.push({
        file: o.exportPath,
        level: 'tampered',
        message: `${at}: ${cp.fields.signature ? 'signature does not verify with the given key' : 'not signed'}; not used as an anchor`,
      });
      continue;
    }
    for (const e of cp.fields.files) {
      if (o.only && !o.only(e)) continue;
      const c = byId.get(e.chain_id);
      if (!c) {
        findings.push({
          file: e.file,
          level: 'tampered',
          message: `chain ${e.chain_id}, anchored by ${at} at ${e.length} bytes, is not here (the file or its chain was deleted or replaced)`,
        });
        continue;
      }
      const l = c.links[e.blocks - 1];
      if (!l) {
        findings.push({
          file: c.file,
          level: 'tampered',
          message: `the chain has ${c.links.length} blocks; ${at} anchored ${e.blocks} (${e.length} bytes): truncated or rewritten`,
        });
      } else if (l.link !== e.digest || l.offset + l.length !== e.length) {
        findings.push({
          file: c.file,
          level: 'tampered',
          message: `block ${e.blocks} differs from ${at}: the local chain was rewritten`,
        });
      } else if ((anchored.get(c.header.id)?.length ?? -1) < e.length) {
        anchored.set(c.header.id, { length: e.length, time: cp.time });
      }
    }
  }
  for (const c of chains) {
    const a = anchored.get(c.header.id);
    if (a && !findings.some((f) => f.file === c.file && f.level === 'tampered'))
      findings.push({
        file: c.file,
        level: 'ok',
        message: `anchored up to byte ${a.length} by the checkpoint of ${a.time}`,
      });
  }
  return findings;
}
