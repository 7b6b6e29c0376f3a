/**
 * Checks files against their hash chains (chain.ts), and the chains against checkpoints kept
 * off the host. What is wrong is `tampered` (the file or its chain was changed after writing);
 * bytes past the chain's end of a file that was never closed are `unanchored` (a crash, or a
 * file still being written), which is reported but is not evidence of tampering.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import {
  CHAIN_SUFFIX,
  type ChainHeader,
  type ChainLink,
  genesis,
  nextLink,
  parseChainLine,
  parseHeader,
} from './chain.js';

export interface Finding {
  file: string;
  level: 'tampered' | 'unanchored' | 'ok';
  message: string;
}

export interface VerifiedChain {
  file: string;
  header: ChainHeader;
  /** The links as the chain file has them, in order (checked or not). */
  links: ChainLink[];
  closed: boolean;
}

/** Files whose blocks are reported with the lines they hold. */
function lineOriented(path: string): boolean {
  return /(\.cast|\.ndjson|\/timing)$/.test(path);
}

/** Blocks named per file at most; the rest are counted. */
const MAX_NAMED = 10;

/** Verifies `path` against `<path>.chain`; returns the findings and the chain as read. */
export function verifyFile(path: string): { findings: Finding[]; chain?: VerifiedChain } {
  const findings: Finding[] = [];
  const bad = (message: string) => findings.push({ file: path, level: 'tampered', message });
  const side = path + CHAIN_SUFFIX;
  if (!existsSync(side)) {
    bad(`no chain file ${side}: nothing vouches for this file`);
    return { findings };
  }
  if (!existsSync(path)) {
    bad('the file is missing (its chain is there)');
    return { findings };
  }
  const text = readFileSync(side, 'utf8');
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  const header = parseHeader(first);
  if (!header) {
    bad(`${side} line 1: not a chain header`);
    return { findings };
  }
  const links: ChainLink[] = [];
  let closed: { length: number; link: string } | undefined;
  let prev = genesis(`${first}\n`);
  let end = 0;
  // The last element is what follows the last newline: empty, or a torn last line (a crash).
  const body = lines.slice(1, -1);
  const torn = lines[lines.length - 1] ?? '';
  for (let i = 0; i < body.length; i++) {
    const at = `${side} line ${i + 2}`;
    const r = parseChainLine(body[i] as string);
    if (!r) {
      bad(`${at}: not a chain record`);
      continue;
    }
    if (closed) {
      bad(`${at}: a record after the chain was closed`);
      continue;
    }
    if (r.kind === 'close') {
      if (r.length !== end || r.link !== prev) bad(`${at}: the close record does not match the chain`);
      closed = r;
      continue;
    }
    if (r.offset !== end) bad(`${at}: block starts at byte ${r.offset}, the one before ended at ${end}`);
    if (nextLink(prev, r.offset, r.length, r.hash) !== r.link)
      bad(`${at}: link does not follow from the one before (the chain was edited)`);
    links.push(r);
    prev = r.link;
    end = r.offset + r.length;
  }
  if (torn && closed) bad(`${side}: text after its close record`);
  checkData(path, links, findings);
  const size = statSync(path).size;
  if (size > end) {
    if (closed) bad(`bytes ${end}-${size}: appended after the file was closed`);
    else
      findings.push({
        file: path,
        level: 'unanchored',
        message: `bytes ${end}-${size} (the tail after the last chained block): unanchored, not covered by the chain (the file was not closed: a crash or still being written)`,
      });
  }
  if (!findings.some((f) => f.level === 'tampered'))
    findings.push({
      file: path,
      level: 'ok',
      message: `${links.length} blocks, ${end} bytes intact${closed ? ', closed' : ''}`,
    });
  return { findings, chain: { file: path, header, links, closed: closed !== undefined } };
}

/** Reads the file once, block by block, comparing each block's sha256 with its link. */
function checkData(path: string, links: ChainLink[], findings: Finding[]): void {
  const fd = openSync(path, 'r');
  const withLines = lineOriented(path);
  let line = 1;
  let named = 0;
  let more = 0;
  const report = (message: string) => {
    if (named++ < MAX_NAMED) findings.push({ file: path, level: 'tampered', message });
    else more++;
  };
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (const [i, l] of links.entries()) {
      const h = createHash('sha256');
      let got = 0;
      let nl = 0;
      while (got < l.length) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, l.length - got), l.offset + got);
        if (n === 0) break;
        const data = buf.subarray(0, n);
        h.update(data);
        if (withLines) for (let k = data.indexOf(10); k >= 0; k = data.indexOf(10, k + 1)) nl++;
        got += n;
      }
      const where = `block ${i + 1} (bytes ${l.offset}-${l.offset + l.length}${withLines ? `, lines ${line}-${line + Math.max(0, nl - 1)}` : ''})`;
      line += nl;
      if (got < l.length)
        report(`${where}: the file ends at byte ${l.offset + got} (truncated, or bytes removed before)`);
      else if (h.digest('hex') !== l.hash) report(`${where}: content differs from its digest`);
      else if (l.kind === 'gap')
        findings.push({
          file: path,
          level: 'unanchored',
          message: `${where}: found on file at a restart and chained only then (unanchored before it)`,
        });
    }
  } finally {
    closeSync(fd);
  }
  if (more) findings.push({ file: path, level: 'tampered', message: `${more} more blocks differ` });
}
