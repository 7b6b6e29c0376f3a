/** `sshtrail verify`: checks recordings and audit files against their hash chains (core/integrity). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../../config/load.js';
import { SshtrailError } from '../../errors.js';
import { checkAnchors, readCheckpoints } from '../../integrity/anchors.js';
import { CHAIN_SUFFIX } from '../../integrity/chain.js';
import { loadPublicKey } from '../../integrity/checkpoint.js';
import { type Finding, type VerifiedChain, verifyFile } from '../../integrity/verify.js';
import type { Command } from '../command.js';

const usage = `Usage: sshtrail verify [options] [FILE...]

Checks each recording (<id>.cast, each file of <id>.raw/) and audit file against the hash chain
kept beside it (<file>.chain), and prints one line per finding:
  ok          the file is intact as far as its chain goes
  UNANCHORED  bytes the chain does not cover: the tail of a file that was never closed (a crash,
              or a file still being written), or bytes found after a crash and chained at restart
  TAMPERED    a block, line or chain record that does not match, naming it
Without FILE, everything under the data dir: recordings/ and events/ (the file sink's default).

With --checkpoints, the chains are also checked against audit.checkpoint events exported from a
SIEM (NDJSON: the events themselves, Elasticsearch hits or Splunk export rows): a file whose
whole chain was rewritten on this host no longer matches what was shipped.

Options:
  --data-dir DIR        where recordings and events live (default ./.sshtrail, /var/lib/sshtrail as root)
  --checkpoints FILE    audit.checkpoint events exported from the SIEM
  --public-key FILE     ed25519 public key (PEM) the checkpoints must be signed with
  -h, --help            show this help

Exit status: 0 when nothing is TAMPERED, 1 otherwise.`;

/** Data files in `dir`: those with a chain beside them, or that should have one. */
function dataFilesIn(dir: string, wanted: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const names = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (f.endsWith(CHAIN_SUFFIX)) names.add(f.slice(0, -CHAIN_SUFFIX.length));
    else if (wanted(f)) names.add(f);
  }
  return [...names].sort().map((f) => join(dir, f));
}

const RAW_FILES = new Set(['timing', 'stdout', 'stderr', 'stdin']);

/** A .raw recording's files, or the path itself. */
function expand(path: string): string[] {
  if (existsSync(path) && statSync(path).isDirectory()) return dataFilesIn(path, (f) => RAW_FILES.has(f));
  return [path];
}

function discover(dataDir: string): string[] {
  const rec = join(dataDir, 'recordings');
  const out: string[] = [];
  for (const p of dataFilesIn(rec, (f) => f.endsWith('.cast') || f.endsWith('.raw'))) out.push(...expand(p));
  out.push(...dataFilesIn(join(dataDir, 'events'), (f) => f.endsWith('.ndjson')));
  return out;
}

const LABEL: Record<Finding['level'], string> = { ok: 'ok', unanchored: 'UNANCHORED', tampered: 'TAMPERED' };

export const command: Command = {
  summary: 'check recordings and audit files against their hash chains',
  usage,
  async run(argv) {
    let values: { 'data-dir'?: string; checkpoints?: string; 'public-key'?: string };
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          'data-dir': { type: 'string' },
          checkpoints: { type: 'string' },
          'public-key': { type: 'string' },
        },
      }));
    } catch (err) {
      throw new SshtrailError('SSHTRAIL_E_USAGE', `verify: ${(err as Error).message}\n\n${usage}`);
    }
    const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
    const files = positionals.length ? positionals.flatMap((p) => expand(resolve(p))) : discover(dataDir);
    const findings: Finding[] = [];
    const chains: VerifiedChain[] = [];
    for (const f of files) {
      const r = verifyFile(f);
      findings.push(...r.findings);
      if (r.chain) chains.push(r.chain);
    }
    if (values.checkpoints) {
      const exportPath = values.checkpoints;
      if (!existsSync(exportPath))
        throw new SshtrailError('SSHTRAIL_E_NOT_FOUND', `${exportPath}: no such file`);
      let publicKey: ReturnType<typeof loadPublicKey> | undefined;
      if (values['public-key']) {
        try {
          publicKey = loadPublicKey(values['public-key']);
        } catch (err) {
          throw new SshtrailError('SSHTRAIL_E_USAGE', `verify: --public-key: ${(err as Error).message}`);
        }
      }
      const { checkpoints, problems } = readCheckpoints(exportPath);
      for (const p of problems) findings.push({ file: exportPath, level: 'tampered', message: p });
      if (checkpoints.length === 0)
        findings.push({ file: exportPath, level: 'tampered', message: 'no audit.checkpoint events in it' });
      const given = new Set(files);
      const only = positionals.length
        ? (e: { chain_id: string; file: string }) =>
            chains.some((c) => c.header.id === e.chain_id) || given.has(resolve(dataDir, e.file))
        : undefined;
      findings.push(
        ...checkAnchors(chains, checkpoints, {
          exportPath,
          ...(only ? { only } : {}),
          ...(publicKey ? { publicKey } : {}),
        }),
      );
    }
    for (const f of findings) process.stdout.write(`${LABEL[f.level]} ${f.file}: ${f.message}\n`);
    const tampered = findings.filter((f) => f.level === 'tampered').length;
    process.stdout.write(
      `${files.length} files checked: ${tampered ? `${tampered} findings of tampering` : 'no tampering found'}\n`,
    );
    return tampered ? 1 : 0;
  },
};
