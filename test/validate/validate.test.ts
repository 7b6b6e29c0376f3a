import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { packageRoot } from '../../core/paths.js';
import { startPipeline } from '../../core/pipeline/index.js';
import { asEmit, localSinkTypes, loose, sample, sampleTypes } from '../pipeline/helpers.js';

const root = packageRoot();
const cli = join(root, 'dist', 'core', 'cli', 'main.js');
let dir: string;
/** NDJSON produced by the real pipeline: one event of every type. */
let produced: string[];

function sshtrail(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sshtrail-validate-'));
  const p = await startPipeline({
    config: {},
    sinkTypes: localSinkTypes,
    dataDir: dir,
    logger: silentLogger,
  });
  for (const type of sampleTypes()) {
    const { fields, context } = asEmit(type);
    loose(p).emit(type, fields, context);
  }
  await p.close();
  produced = readFileSync(join(dir, 'events', 'audit.ndjson'), 'utf8')
    .trim()
    .split('\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('validate accepts the events the pipeline writes and the samples, from a file and from stdin', () => {
  const samples = sampleTypes().map((t) => JSON.stringify(sample(t)));
  const file = join(dir, 'good.ndjson');
  writeFileSync(file, `${[...produced, '', ...samples].join('\n')}\n`);
  const r = sshtrail(['validate', file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  // Each type once from the pipeline and once as a sample.
  const n = 2 * sampleTypes().length;
  assert.match(r.stderr, new RegExp(`${n} events, ${n} valid, 0 invalid`));
  const s = sshtrail(['validate', '-'], `${produced.join('\n')}\n`);
  assert.equal(s.code, 0, s.stdout + s.stderr);
  const d = sshtrail(['validate'], `${produced.join('\n')}\n`);
  assert.equal(d.code, 0, 'stdin is the default');
});

const base = () => sample('session.command');
const line = (o: unknown) => JSON.stringify(o);
/** [what, line content, expected error line (after "line N: ")] */
const broken: [string, string, RegExp][] = [
  ['not JSON', '{"type": "session.command",', /^-: \/ is not JSON: /],
  ['not an object', '[1,2]', /^-: \/ must be a JSON object$/],
  [
    'no type',
    line({ ...base(), type: undefined }),
    /^-: \/type is required \(a string\); known types: audit\.checkpoint, audit\.loss, .*session\.start$/,
  ],
  [
    'unknown type',
    line({ ...base(), type: 'session.telepathy' }),
    /^session\.telepathy: \/type unknown event type; known types: .*session\.command/,
  ],
  [
    'no schema',
    line({ ...base(), schema: undefined }),
    /^session\.command: \/schema is required; schemas for session\.command: https:\/\/sshtrail\.dev\/schemas\/session\.command\/v1\.json$/,
  ],
  [
    'unknown version',
    line({ ...base(), schema: 'https://sshtrail.dev/schemas/session.command/v7.json' }),
    /^session\.command: \/schema unknown schema https:\/\/sshtrail\.dev\/schemas\/session\.command\/v7\.json; schemas for session\.command: https:\/\/sshtrail\.dev\/schemas\/session\.command\/v1\.json$/,
  ],
  [
    "another type's schema",
    line({ ...base(), schema: 'https://sshtrail.dev/schemas/session.disk/v1.json' }),
    /^session\.command: \/schema https:\/\/sshtrail\.dev\/schemas\/session\.disk\/v1\.json is the schema of session\.disk, not session\.command$/,
  ],
  ['missing field', line({ ...base(), ppid: undefined }), /^session\.command: \/ppid is required$/],
  ['wrong type', line({ ...base(), argv: 'ls -la' }), /^session\.command: \/argv must be array$/],
  ['wrong item type', line({ ...base(), argv: ['ls', 3] }), /^session\.command: \/argv\/1 must be string$/],
  [
    'unknown field',
    line({ ...base(), colour: 'blue' }),
    /^session\.command: \/colour is not allowed by the schema$/,
  ],
  ['bad time', line({ ...base(), time: '2026-11-29 00:31:09' }), /^session\.command: \/time must match/],
  [
    'bad address',
    line({ ...base(), client_addr: 'localhost' }),
    /^session\.command: \/client_addr must match format "ipv4"$/,
  ],
  [
    'bad enum',
    line({ ...sample('auth.failure'), reason: 'bad_luck' }),
    /^auth\.failure: \/reason must be one of \["unknown_login",/,
  ],
  [
    'bad nested',
    line({ ...base(), user: { key_type: 'ssh-ed25519' } }),
    /^session\.command: \/user\/fingerprint is required$/,
  ],
];

test('validate reports each kind of error as "line N: TYPE: /pointer message" and exits 1', () => {
  const lines = [...produced.slice(0, 2), ...broken.map((b) => b[1])];
  const file = join(dir, 'broken.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = sshtrail(['validate', file]);
  assert.equal(r.code, 1);
  const out = r.stdout.trim().split('\n');
  broken.forEach(([what, , expected], i) => {
    const n = i + 3;
    const mine = out.filter((l) => l.startsWith(`line ${n}: `)).map((l) => l.slice(`line ${n}: `.length));
    assert.ok(
      mine.some((m) => expected.test(m)),
      `${what}: expected ${expected} among ${JSON.stringify(mine)}`,
    );
  });
  assert.ok(!out.some((l) => /^line [12]: /.test(l)), 'valid lines report nothing');
  assert.match(r.stderr, new RegExp(`${broken.length + 2} events, 2 valid, ${broken.length} invalid`));
});

test('validate --format json gives one document with every error', () => {
  const r = sshtrail(['validate', '--format', 'json', '-'], `${produced[0]}\n${broken[7]![1]}\n`);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { valid: boolean; events: number; invalid: number; errors: unknown[] };
  assert.equal(doc.valid, false);
  assert.equal(doc.events, 2);
  assert.equal(doc.invalid, 1);
  assert.deepEqual(doc.errors, [
    { line: 2, type: 'session.command', pointer: '/ppid', message: 'is required' },
  ]);
  const u = sshtrail(['validate', '--format', 'yaml']);
  assert.equal(u.code, 2);
});

test('schemas list, show and export describe what exists, and unknown names say what does', () => {
  const list = sshtrail(['schemas', 'list']);
  assert.equal(list.code, 0);
  // Each line shows the full version recorded in schemas/lock.json.
  const lock = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'lock.json'), 'utf8')) as Record<
    string,
    { version: string }
  >;
  for (const t of sampleTypes()) {
    const version = lock[`https://sshtrail.dev/schemas/${t}/v1.json`]?.version ?? '';
    assert.match(version, /^1\.\d+\.\d+$/);
    assert.match(
      list.stdout,
      new RegExp(`^${t.replace('.', '\\.')} +v1 +${version.replace(/\./g, '\\.')} +https://`, 'm'),
    );
  }
  const show = sshtrail(['schemas', 'show', 'session.disk', '--version', '1']);
  assert.equal(JSON.parse(show.stdout).$id, 'https://sshtrail.dev/schemas/session.disk/v1.json');
  const bad = sshtrail(['schemas', 'show', 'session.disk', '--version', '2']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /session\.disk has no version '2'; versions: v1/);
  const unknown = sshtrail(['schemas', 'show', 'nope']);
  assert.match(unknown.stderr, /unknown type 'nope'; known: envelope, audit\.checkpoint, audit\.loss/);
});

test('events from the pipeline validate with ajv-cli against the exported schemas; a broken one does not', () => {
  const out = join(dir, 'export');
  assert.equal(sshtrail(['schemas', 'export', out]).code, 0);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
    schemas: { type: string; file: string }[];
  };
  assert.equal(index.schemas.length, sampleTypes().length + 1);
  const ajv = join(root, 'node_modules', 'ajv-cli', 'dist', 'index.js');
  for (const ev of produced) {
    const type = (JSON.parse(ev) as { type: string }).type;
    const data = join(dir, 'ajv', type);
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'event.json'), ev);
    const run = (file: string) =>
      spawnSync(
        process.execPath,
        [
          ajv,
          'validate',
          '--spec=draft2020',
          '-c',
          'ajv-formats',
          '-r',
          join(out, 'envelope.v1.json'),
          '-s',
          join(out, `${type}.v1.json`),
          '-d',
          file,
        ],
        { encoding: 'utf8', cwd: root, timeout: 60_000 },
      );
    const good = run(join(data, 'event.json'));
    assert.equal(good.status, 0, `${type}: ${good.stdout}${good.stderr}`);
    writeFileSync(join(data, 'broken.json'), JSON.stringify({ ...JSON.parse(ev), seq: 'one' }));
    const broke = run(join(data, 'broken.json'));
    assert.equal(broke.status, 1, `${type}: a broken event must fail`);
  }
  assert.ok(readdirSync(join(dir, 'ajv')).length >= 8);
});
