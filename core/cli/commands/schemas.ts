/**
 * `sshtrail schemas list | show TYPE [--version V] | export DIR`: the event schemas shipped with
 * this sshtrail, for teams that validate in their own CI with their own JSON Schema validator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SshtrailError } from '../../errors.js';
import { readLock } from '../../events/compat.js';
import { type SchemaEntry, shippedSchemas } from '../../events/schemas.js';
import type { Command } from '../command.js';

const usage = `Usage:
  sshtrail schemas list                       every event type, major version, full version and $id
  sshtrail schemas show TYPE [--version V]    print a schema (V: a major like 1 or v1; default: the newest)
  sshtrail schemas export DIR                 write every schema to DIR as <type>.v<N>.json, with index.json

Validate with ajv-cli after exporting:
  npx ajv validate --spec=draft2020 -c ajv-formats -r DIR/envelope.v1.json -s DIR/<type>.v1.json -d event.json`;

function allEntries(): SchemaEntry[] {
  const set = shippedSchemas();
  return [set.envelope, ...[...set.types.values()].flat()];
}

function find(type: string, version: string | undefined): SchemaEntry {
  const set = shippedSchemas();
  const list = type === 'envelope' ? [set.envelope] : set.types.get(type);
  if (!list) {
    throw new SshtrailError(
      'SSHTRAIL_E_NOT_FOUND',
      `unknown type '${type}'; known: envelope, ${[...set.types.keys()].join(', ')}`,
    );
  }
  if (version === undefined) return list[list.length - 1] as SchemaEntry;
  const major = Number(/^v?([0-9]+)(\.[0-9]+){0,2}$/.exec(version)?.[1]);
  const entry = list.find((e) => e.major === major);
  if (!entry) {
    throw new SshtrailError(
      'SSHTRAIL_E_NOT_FOUND',
      `${type} has no version '${version}'; versions: ${list.map((e) => `v${e.major}`).join(', ')}`,
    );
  }
  return entry;
}

export const exportName = (e: SchemaEntry) => `${e.type}.v${e.major}.json`;

export const command: Command = {
  summary: 'List, show or export the event schemas',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const set = shippedSchemas();
    const lock = readLock(set);
    if (sub === 'list') {
      const rows = allEntries().map((e) => [
        e.type,
        `v${e.major}`,
        lock[e.id]?.version ?? 'unreleased',
        e.id,
      ]);
      const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
      for (const r of rows)
        process.stdout.write(`${r.map((c, i) => (i < 3 ? c.padEnd(w[i] as number) : c)).join('  ')}\n`);
      return 0;
    }
    if (sub === 'show') {
      const type = rest[0];
      if (!type || type.startsWith('-'))
        throw new SshtrailError('SSHTRAIL_E_USAGE', `schemas show needs a TYPE\n\n${usage}`);
      const vi = rest.indexOf('--version');
      const version = vi >= 0 ? rest[vi + 1] : rest.find((a) => a.startsWith('--version='))?.slice(10);
      process.stdout.write(`${JSON.stringify(find(type, version).schema, null, 2)}\n`);
      return 0;
    }
    if (sub === 'export') {
      const dir = rest[0];
      if (!dir) throw new SshtrailError('SSHTRAIL_E_USAGE', `schemas export needs a DIR\n\n${usage}`);
      mkdirSync(dir, { recursive: true });
      const index = allEntries().map((e) => {
        writeFileSync(join(dir, exportName(e)), `${JSON.stringify(e.schema, null, 2)}\n`);
        return {
          type: e.type,
          major: e.major,
          version: lock[e.id]?.version ?? 'unreleased',
          id: e.id,
          file: exportName(e),
        };
      });
      writeFileSync(join(dir, 'index.json'), `${JSON.stringify({ schemas: index }, null, 2)}\n`);
      process.stderr.write(`schemas: wrote ${index.length} schemas and index.json to ${dir}\n`);
      return 0;
    }
    throw new SshtrailError(
      'SSHTRAIL_E_USAGE',
      `${sub ? `unknown subcommand '${sub}'` : 'a subcommand is needed'}\n\n${usage}`,
    );
  },
};
