/**
 * The hash chain of one append-only file (a recording's stream, a .cast, the audit file), kept in
 * a sidecar `<file>.chain` so that the file itself stays exactly what players and shippers read
 * (docs/tamper-evidence.md has the threat model):
 *
 *   line 1   {"format":"sshtrail-chain","version":1,"alg":"sha256","id":"<uuid>","file":"<name>","created":T}
 *   block O L H K   bytes [O, O+L) of the file hash to H; K = sha256(prev K, O, L, H) links it to
 *                   the one before (the first one's prev is sha256 of line 1, which names the chain)
 *   gap O L H K     the same, for bytes found on file but never chained while being written (a
 *                   crash's tail, adopted at the next start): intact since then, unanchored before
 *   close N K       the file was closed at N bytes; nothing may follow it
 *
 * Blocks are consecutive from the header's end (or 0) with no hole. A block's line is written only
 * once its bytes are on file, so after a crash the chain stops at or before the file's end: bytes
 * past the last block are a tail the chain never covered (reported as unanchored, not tampered).
 */
import { createHash, randomUUID } from 'node:crypto';

export const CHAIN_FORMAT = 'sshtrail-chain';
export const CHAIN_SUFFIX = '.chain';
/** Bytes per block at most about this (a block also ends at every flush). */
export const BLOCK_BYTES = 64 * 1024;

export interface ChainHeader {
  format: string;
  version: number;
  alg: 'sha256';
  /** Names this chain wherever its file is moved (rotation) or copied: checkpoints refer to it. */
  id: string;
  /** The file's name when the chain was started. */
  file: string;
  created: number;
}

export interface ChainLink {
  kind: 'block' | 'gap';
  offset: number;
  length: number;
  /** sha256 of the block's bytes, hex. */
  hash: string;
  /** sha256 of the previous link, offset, length and hash: the chain's running digest. */
  link: string;
}

export function sha256hex(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

export function newHeader(file: string): ChainHeader {
  return {
    format: CHAIN_FORMAT,
    version: 1,
    alg: 'sha256',
    id: randomUUID(),
    file,
    created: Math.floor(Date.now() / 1000),
  };
}

export function headerLine(h: ChainHeader): string {
  return `${JSON.stringify(h)}\n`;
}

/** The link before the first block: binds the chain to its header (its id and file name). */
export function genesis(headerText: string): string {
  return sha256hex(headerText);
}

export function nextLink(prev: string, offset: number, length: number, hash: string): string {
  return sha256hex(`${prev} ${offset} ${length} ${hash}`);
}

export function linkLine(l: ChainLink): string {
  return `${l.kind} ${l.offset} ${l.length} ${l.hash} ${l.link}\n`;
}

export function closeLine(length: number, link: string): string {
  return `close ${length} ${link}\n`;
}

export type ChainRecord = ChainLink | { kind: 'close'; length: number; link: string };

const HEX64 = /^[0-9a-f]{64}$/;

/** A chain line's record, or undefined for a line that is not one. */
export function parseChainLine(line: string): ChainRecord | undefined {
  const p = line.split(' ');
  if (p[0] === 'close' && p.length === 3) {
    const length = Number(p[1]);
    if (!Number.isSafeInteger(length) || !HEX64.test(p[2] ?? '')) return undefined;
    return { kind: 'close', length, link: p[2] as string };
  }
  if ((p[0] !== 'block' && p[0] !== 'gap') || p.length !== 5) return undefined;
  const offset = Number(p[1]);
  const length = Number(p[2]);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0)
    return undefined;
  if (!HEX64.test(p[3] ?? '') || !HEX64.test(p[4] ?? '')) return undefined;
  return { kind: p[0], offset, length, hash: p[3] as string, link: p[4] as string };
}

export function parseHeader(line: string): ChainHeader | undefined {
  try {
    const h = JSON.parse(line) as ChainHeader;
    if (h.format !== CHAIN_FORMAT || h.version !== 1 || typeof h.id !== 'string') return undefined;
    return h;
  } catch {
    return undefined;
  }
}
