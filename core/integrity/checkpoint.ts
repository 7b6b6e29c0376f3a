/**
 * The audit.checkpoint event: every checkpoint interval the running digests of the chains that
 * grew (registry.ts) go into the event stream, so that a copy leaves the host for the SIEM. An
 * optional ed25519 key signs each event's `files` as canonical JSON (keys sorted): a SIEM may
 * re-serialise the event, and the signature must survive that.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { AuditEmitter } from '../events/emitter.js';
import type { EventFieldsByType } from '../events/types.generated.js';
import { takeChainStates } from './registry.js';
import type { ChainState } from './writer.js';

export type CheckpointFields = EventFieldsByType['audit.checkpoint'];
export type CheckpointFile = CheckpointFields['files'][number];

/** The schema's bound on entries per event. */
const MAX_FILES = 256;

/** JSON with object keys sorted at every level: the bytes a signature covers. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `SHA256:<base64>` of the public key's DER: which key signed. */
export function keyId(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export function loadSigningKey(path: string): KeyObject {
  const key = createPrivateKey(readFileSync(path));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path}: not an ed25519 private key`);
  return key;
}

export function loadPublicKey(path: string): KeyObject {
  const key = createPublicKey(readFileSync(path));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path}: not an ed25519 key`);
  return key;
}

export function signFiles(
  files: CheckpointFile[],
  key: KeyObject,
): NonNullable<CheckpointFields['signature']> {
  const value = sign(null, Buffer.from(canonicalJson(files)), key).toString('base64');
  return { alg: 'ed25519', key_id: keyId(createPublicKey(key)), value };
}

export function signatureValid(fields: CheckpointFields, pub: KeyObject): boolean {
  const s = fields.signature;
  if (s?.alg !== 'ed25519') return false;
  try {
    return verify(null, Buffer.from(canonicalJson(fields.files)), pub, Buffer.from(s.value, 'base64'));
  } catch {
    return false;
  }
}

function entry(s: ChainState, dataDir: string): CheckpointFile {
  const rel = relative(dataDir, s.path);
  const file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : s.path;
  return {
    file,
    chain_id: s.id,
    blocks: s.blocks,
    length: s.length,
    digest: s.digest,
    ...(s.closed ? { closed: true } : {}),
  };
}

export interface CheckpointOptions {
  emitter: AuditEmitter;
  dataDir: string;
  intervalSeconds: number;
  signingKey?: KeyObject;
}

/** Emits checkpoints on a timer; `stop` emits a last one (the recordings closed at shutdown). */
export function startCheckpoints(o: CheckpointOptions): { emitNow(): void; stop(): void } {
  /** Per chain, the block count last reported: only what grew is reported again. */
  const reported = new Map<string, number>();
  const emitNow = (): void => {
    const files: CheckpointFile[] = [];
    for (const s of takeChainStates()) {
      if (s.blocks === 0 || reported.get(s.id) === s.blocks) {
        if (s.closed) reported.delete(s.id);
        continue;
      }
      if (s.closed) reported.delete(s.id);
      else reported.set(s.id, s.blocks);
      files.push(entry(s, o.dataDir));
    }
    for (let i = 0; i < files.length; i += MAX_FILES) {
      const part = files.slice(i, i + MAX_FILES) as CheckpointFields['files'];
      const fields: CheckpointFields = { files: part };
      if (o.signingKey) fields.signature = signFiles(part, o.signingKey);
      o.emitter.emit('audit.checkpoint', fields);
    }
  };
  const timer = setInterval(emitNow, o.intervalSeconds * 1000);
  timer.unref();
  return {
    emitNow,
    stop() {
      clearInterval(timer);
      emitNow();
    },
  };
}
