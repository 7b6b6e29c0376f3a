/**
 * examples/splunk/TA-sshtrail against sshtrail's events as Splunk sees them arriving through HEC's
 * event endpoint: every example event (in the sink's real envelope) and the events a real session
 * on the real server sends to a HEC receiver. For each: the JSON fields extracted as KV_MODE=json
 * names them, the add-on's aliases and evals applied in Splunk's order, eventtypes matched and
 * tagged; each event in a CIM dataset has that dataset's required fields (and its conditional
 * ones where their condition holds), single-valued, with the values the data model allows, as
 * splunk/pytest-splunk-addon checks them (cim-datasets.ts). The add-on's other files are checked
 * for what Splunk would refuse. No Splunk server: spl.ts models the part of it the add-on uses.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditEvent } from '../../core/sinks/sink.js';
import { Encoder } from '../../sinks/splunk_hec/encoder.js';
import { bpfAvailable, bpfReason, testRoot } from '../bpf/helpers.js';
import { isRoot, needs } from '../helpers/privileged.js';
import { repoRoot, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';
import { type HecEnvelope, SplunkHecReceiver } from '../receivers/splunk-hec.js';
import { type Dataset, datasets, negativeValues, notAllowed } from './cim-datasets.js';
import {
  applyProps,
  type Conf,
  extractJson,
  type Fields,
  matchesSearch,
  parseConf,
  type Value,
} from './spl.js';

const ta = join(repoRoot, 'examples/splunk/TA-sshtrail');
const conf = (name: string): Conf => parseConf(readFileSync(join(ta, 'default', name), 'utf8'));
const props = conf('props.conf');
const eventtypes = conf('eventtypes.conf');
const tags = conf('tags.conf');
const SOURCETYPE = 'sshtrail:audit';
const TOKEN = '5d3c1e2a-7b4f-4c1d-9e8a-0f1b2c3d4e5f';

const examples: AuditEvent[] = readdirSync(join(repoRoot, 'examples/events'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(repoRoot, 'examples/events', f), 'utf8')) as AuditEvent);

/** The HEC envelope the sink's encoder writes for `e`, parsed as HEC's event endpoint would. */
function envelope(e: AuditEvent): HecEnvelope {
  const enc = new Encoder({ source: 'sshtrail', sourcetype: SOURCETYPE } as never);
  return JSON.parse(enc.envelope(e)) as HecEnvelope;
}

interface SearchTime {
  type: string;
  fields: Fields;
  eventtypes: string[];
  tags: Set<string>;
}

/**
 * Search-time fields of one HEC event: host/source/sourcetype from the envelope, its indexed
 * fields, the JSON fields of `event` (_raw), then props.conf's stanzas for its source and
 * sourcetype, eventtypes and their tags.
 */
function searchTime(env: HecEnvelope): SearchTime {
  const extracted = extractJson(env.event);
  for (const [k, v] of Object.entries(env.fields ?? {})) {
    assert.equal(
      extracted.has(k),
      false,
      `indexed field ${k} would collide with the JSON field of that name`,
    );
    extracted.set(k, String(v));
  }
  const sourcetype = env.sourcetype ?? '';
  extracted.set('host', env.host ?? null);
  extracted.set('source', env.source ?? null);
  extracted.set('sourcetype', sourcetype);
  // A [source::<pattern>] stanza applies when the source matches (`...` any path).
  let fields = extracted;
  for (const [name, stanza] of props) {
    const m = /^source::(.*)$/.exec(name);
    if (!m) continue;
    const re = new RegExp(
      `^${(m[1] as string).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\\\.\\\.\\\./g, '.*')}$`,
    );
    if (re.test(env.source ?? '')) fields = applyProps(stanza, fields);
  }
  const stanza = props.get(sourcetype);
  assert.ok(stanza, `props.conf has a [${sourcetype}] stanza`);
  fields = applyProps(stanza, fields);
  const types = [...eventtypes]
    .filter(([, s]) => matchesSearch(s.get('search') ?? '', fields))
    .map(([n]) => n);
  const tagSet = new Set<string>();
  for (const t of types)
    for (const [tag, state] of tags.get(`eventtype=${t}`) ?? []) if (state === 'enabled') tagSet.add(tag);
  return { type: String(env.event.type), fields, eventtypes: types, tags: tagSet };
}

/**
 * What sshtrail does not know, so the add-on leaves out (README.md says so): pytest-splunk-addon
 * would report these fields missing for these events. Each is checked to really be missing.
 */
function gap(type: string, field: string): string | undefined {
  if (type === 'session.disk' && ['file_size', 'file_hash', 'file_modify_time'].includes(field))
    return 'an open tells neither the size, the content nor when the file changed';
  if (type === 'session.sftp' && ['file_size', 'file_hash', 'file_create_time', 'file_acl'].includes(field))
    return 'known only for a whole upload (size) or a sequential transfer (hash); creation time and ACL are not recorded';
  return undefined;
}

const one = (v: Value | undefined): v is string => typeof v === 'string';

/** The dataset's events (tags and constraint) and every field rule checked over them. */
function checkDataset(ds: Dataset, events: SearchTime[]): { count: number; gaps: Set<string> } {
  const gaps = new Set<string>();
  const inDs = events.filter(
    (e) =>
      ds.tags.every((t) => e.tags.has(t)) &&
      (!ds.constraint || matchesSearch(ds.constraint, e.fields, e.tags)),
  );
  for (const e of inDs) {
    const where = `${e.type} in ${ds.name}`;
    for (const rule of ds.fields) {
      const v = e.fields.get(rule.name);
      const applies =
        rule.kind === 'required' ||
        (rule.kind === 'conditional' && (!rule.condition || matchesSearch(rule.condition, e.fields, e.tags)));
      if (v === undefined || v === null) {
        if (!applies) continue;
        const why = gap(e.type, rule.name);
        assert.ok(
          why,
          `${where}: ${rule.name} missing (${rule.kind}${rule.condition ? `: ${rule.condition}` : ''})`,
        );
        gaps.add(`${e.type}: ${rule.name}`);
        continue;
      }
      assert.ok(gap(e.type, rule.name) === undefined || applies, `${where}: ${rule.name} is listed as a gap`);
      assert.ok(one(v), `${where}: ${rule.name} must be single-valued: ${JSON.stringify(v)}`);
      assert.ok(
        !negativeValues.includes(v),
        `${where}: ${rule.name}=${JSON.stringify(v)} is a negative value`,
      );
      if (rule.expected)
        assert.ok(
          rule.expected.includes(v),
          `${where}: ${rule.name}=${v} not one of ${rule.expected.join(', ')}`,
        );
      if (rule.valid) assert.ok(rule.valid(v, e.fields), `${where}: ${rule.name}=${v} fails its validity`);
    }
    for (const cluster of ds.clusters ?? []) {
      const have = cluster.filter((n) => one(e.fields.get(n)));
      assert.ok(
        have.length === 0 || have.length === cluster.length,
        `${where}: ${cluster.join('/')}: only ${have}`,
      );
    }
    assert.equal(e.fields.get('vendor_product'), 'sshtrail', where);
  }
  return { count: inDs.length, gaps };
}

/** Every dataset over `events`: how many of each event type each dataset holds. */
function checkAll(events: SearchTime[]): Map<string, Set<string>> {
  const byDataset = new Map<string, Set<string>>();
  for (const ds of datasets) {
    checkDataset(ds, events);
    const types = new Set(events.filter((e) => ds.tags.every((t) => e.tags.has(t))).map((e) => e.type));
    byDataset.set(ds.name, types);
  }
  for (const e of events)
    for (const n of notAllowed)
      assert.ok(
        n === 'tag' || !e.fields.has(n),
        `${e.type}: ${n} is for ES's asset and identity correlation`,
      );
  return byDataset;
}

/** The data model each sshtrail event type maps to (the issue's list). */
const wanted: Record<string, string> = {
  'auth.success': 'Authentication',
  'auth.failure': 'Authentication',
  'session.command': 'Endpoint.Processes',
  'session.disk': 'Endpoint.Filesystem',
  'session.sftp': 'Endpoint.Filesystem',
  'session.network': 'Network_Traffic',
  'session.forward': 'Network_Traffic',
};

describe('TA-sshtrail (example events)', () => {
  const all = examples.map((e) => searchTime(envelope(e)));

  test('every example event falls into exactly one eventtype (audit.test into none)', () => {
    for (const e of all)
      assert.equal(
        e.eventtypes.length,
        e.type === 'audit.test' ? 0 : 1,
        `${e.type}: ${e.eventtypes.join(', ')}`,
      );
  });

  test("each event in a CIM dataset has the dataset's required fields, valid, as pytest-splunk-addon checks them", () => {
    const byDataset = checkAll(all);
    for (const [type, ds] of Object.entries(wanted))
      assert.ok(byDataset.get(ds)?.has(type), `${type} is in ${ds}`);
    for (const [ds, types] of byDataset)
      for (const t of types) assert.equal(wanted[t], ds, `${t} is in ${ds} only if the add-on means it`);
  });

  test('the mappings say what happened: outcomes, addresses, files and the command line', () => {
    const by = (type: string, over: Record<string, unknown> = {}) =>
      searchTime(envelope({ ...examples.find((e) => e.type === type), ...over } as AuditEvent)).fields;
    const failure = by('auth.failure');
    assert.equal(failure.get('action'), 'failure');
    assert.equal(failure.get('src'), '198.51.100.7');
    assert.equal(failure.get('user'), 'root');
    assert.equal(failure.get('app'), 'ssh');
    assert.match(String(failure.get('signature')), /key_not_authorized/);
    const cmd = by('session.command');
    assert.equal(cmd.get('process'), 'ls -la /etc');
    assert.equal(cmd.get('process_exec'), 'ls');
    assert.equal(cmd.get('process_path'), '/usr/bin/ls');
    assert.equal(cmd.get('parent_process_id'), '4200');
    assert.equal(cmd.get('action'), 'allowed');
    // The kernel's resolved executable wins over the path as given.
    assert.equal(
      by('session.command', { path: './ls', exe_path: '/usr/bin/ls' }).get('process_path'),
      '/usr/bin/ls',
    );
    assert.equal(by('session.command', { return_code: -13 }).get('action'), 'blocked');
    const disk = by('session.disk');
    assert.equal(disk.get('action'), 'read');
    assert.equal(disk.get('file_name'), 'passwd');
    assert.equal(by('session.disk', { flag_names: ['O_WRONLY', 'O_TRUNC'] }).get('action'), 'modified');
    const up = by('session.sftp');
    assert.equal(up.get('action'), 'modified');
    assert.equal(up.get('file_path'), '/home/deploy/release.tar.gz');
    assert.equal(up.get('file_name'), 'release.tar.gz');
    assert.equal(up.get('file_size'), '1024', 'kilobytes');
    assert.equal(up.get('file_hash'), examples.find((e) => e.type === 'session.sftp')?.sha256);
    assert.equal(by('session.sftp', { flags: ['write', 'create', 'exclusive'] }).get('action'), 'created');
    assert.equal(
      by('session.sftp', { flags: ['read'], bytes_written: 0, bytes_read: 10 }).get('action'),
      'read',
    );
    assert.equal(by('session.sftp', { action: 'remove', flags: undefined }).get('action'), 'deleted');
    assert.equal(
      by('session.sftp', { action: 'setstat', attrs: { permissions: 416 } }).get('action'),
      'acl_modified',
    );
    assert.equal(by('session.sftp', { result: 'permission_denied' }).get('status'), 'failure');
    const net = by('session.network');
    // return_code -115 (EINPROGRESS) is a connect under way, not a failure.
    assert.equal(net.get('action'), 'allowed');
    assert.equal(net.get('dest'), '93.184.216.34');
    assert.equal(net.get('dest_port'), '443');
    assert.equal(net.get('src'), '10.0.0.5');
    assert.equal(net.get('protocol_version'), 'ipv4');
    const refused = by('session.network', { return_code: -111 });
    assert.equal(refused.get('action'), 'blocked');
    assert.equal(refused.get('status'), 'failure');
    // A local forward's close: the SSH client reached db.internal's address through this host.
    const fwd = by('session.forward');
    assert.equal(fwd.get('action'), 'teardown');
    assert.equal(fwd.get('src'), '192.0.2.10');
    assert.equal(fwd.get('dest'), '10.0.3.7');
    assert.equal(fwd.get('dest_port'), '5432');
    assert.equal(fwd.get('bytes_out'), '2310', 'what the client sent towards the target');
    assert.equal(fwd.get('bytes_in'), '1048843');
    assert.equal(fwd.get('bytes'), String(2310 + 1048843));
    assert.equal(fwd.get('direction'), 'outbound');
    assert.equal(fwd.get('duration'), '0.812');
    const open = by('session.forward', { action: 'open', bytes_in: undefined, bytes_out: undefined });
    assert.equal(open.get('action'), 'allowed');
    const refusedFwd = searchTime(
      envelope({
        ...examples.find((e) => e.type === 'session.forward'),
        action: 'open',
        result: 'refused',
        reason: 'forwarding_disabled',
        target_addr: undefined,
        bytes_in: undefined,
        bytes_out: undefined,
      } as unknown as AuditEvent),
    );
    assert.equal(refusedFwd.fields.get('action'), 'blocked');
    assert.equal(refusedFwd.fields.get('dest'), 'db.internal');
    assert.deepEqual(refusedFwd.eventtypes, ['sshtrail_forward']);
    // A remote forward's listener is not traffic: its own eventtype, no data model.
    const listen = searchTime(
      envelope({
        ...examples.find((e) => e.type === 'session.forward'),
        action: 'listen',
        direction: 'remote',
        listen_host: 'localhost',
        listen_port: 8080,
      } as unknown as AuditEvent),
    );
    assert.equal(listen.fields.get('action'), 'listen');
    assert.deepEqual(listen.eventtypes, ['sshtrail_forward_listener']);
    assert.equal(listen.tags.size, 0);
  });
});

describe('TA-sshtrail (a real session through the HEC sink)', { timeout: 180_000 }, () => {
  const hec = new SplunkHecReceiver(TOKEN);
  let srv: TestServer | undefined;
  let user: TestUser;
  let enabled = false;
  let listener: Server;
  let local: string;

  before(async () => {
    await hec.start();
    // A peer that closes at once (bash's /dev/tcp) resets the connection: not an error here.
    listener = createServer((s) => s.on('error', () => {}).end('hi\n'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    local = mkdtempSync(join(tmpdir(), 'sshtrail-splunk-'));
    if (!bpfAvailable || !isRoot) return;
    user = ensureUser('sshtrail-splunk');
    srv = await startServer({
      config: {
        sinks: [{ type: 'file' }, { type: 'splunk_hec', endpoint: hec.url, token: TOKEN, index: 'sshtrail' }],
        enhanced_recording: {
          enabled: 'auto',
          events: ['command', 'disk', 'network'],
          cgroup_root: testRoot(),
        },
      },
    });
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    enabled = /enhanced recording on/.test(srv.logs());
  });
  after(async () => {
    await srv?.stop();
    await hec.stop();
    listener.close();
    rmSync(local, { recursive: true, force: true });
  });

  const run = (cmd: string, args: string[], input?: string) =>
    new Promise<string>((resolve) => {
      const c = execFile(cmd, args, { timeout: 60_000 }, (_e, so, se) => resolve(so + se));
      if (input !== undefined) c.stdin?.end(input);
    });

  test('auth, commands, file opens, connections, an SFTP upload and a forward: each in its data model, valid', async (t) => {
    if (!needs(t, bpfAvailable && isRoot, bpfReason)) return;
    if (!needs(t, enabled, `the server did not turn enhanced recording on: ${srv?.logs().slice(-500)}`))
      return;
    assert.ok(srv);
    const port = (listener.address() as AddressInfo).port;
    const a = srv.sshArgs({ login: user.name });
    const dest = a.at(-1) as string;
    // A refused key (auth.failure), then commands that open files and connect out.
    const stranger = srv.newKey('stranger');
    await srv.ssh(['true'], { login: user.name, identity: stranger, options: ['-o', 'BatchMode=yes'] });
    const r = await srv.ssh(
      [
        'sh',
        '-c',
        `cat /etc/hostname >/dev/null; echo x > ~/splunk-t.txt; exec 3<>/dev/tcp/127.0.0.1/${port}`,
      ],
      { login: user.name },
    );
    assert.equal(r.signal, null, r.stderr);
    // An SFTP upload; a local forward (ssh -W).
    writeFileSync(join(local, 'up.bin'), 'payload\n'.repeat(1000));
    const sftpArgs = a.filter((x) => x !== '-p' && x !== String(srv?.port) && x !== '-tt' && x !== '-T');
    await run(
      'sftp',
      [...sftpArgs.slice(0, -1), '-P', String(srv.port), '-b', '-', dest],
      `put ${join(local, 'up.bin')} splunk-up.bin\n`,
    );
    assert.match(await run('ssh', [...a.slice(0, -1), '-W', `127.0.0.1:${port}`, dest]), /hi/);
    await srv.waitForEvents(
      (ev) =>
        // The -W connection has no session channel, so no session.end of its own.
        ev.filter((e) => e.type === 'session.end').length >= 2 &&
        ev.some((e) => e.type === 'session.forward' && e.action === 'close'),
      60_000,
    );
    const want = Object.keys(wanted);
    const deadline = Date.now() + 30_000;
    const got = () => new Set(hec.events.map((e) => String(e.event.type)));
    while (want.some((w) => w !== 'auth.success' && !got().has(w)) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 100));
    const events = hec.events.map((e) => searchTime(e));
    for (const e of events) {
      assert.equal(e.fields.get('sourcetype'), SOURCETYPE);
      assert.equal(e.fields.get('index') ?? 'sshtrail', 'sshtrail');
      assert.ok(e.eventtypes.length <= 1, `${e.type}: ${e.eventtypes.join(', ')}`);
    }
    const byDataset = checkAll(events);
    for (const [type, ds] of Object.entries(wanted))
      if (got().has(type)) assert.ok(byDataset.get(ds)?.has(type), `${type} reached ${ds}`);
    for (const w of [
      'auth.failure',
      'auth.success',
      'session.command',
      'session.disk',
      'session.sftp',
      'session.network',
      'session.forward',
    ])
      assert.ok(got().has(w), `a ${w} event reached HEC (got ${[...got()].join(', ')})`);
    const upload = events.find(
      (e) => e.type === 'session.sftp' && String(e.fields.get('file_name')) === 'splunk-up.bin',
    );
    assert.equal(upload?.fields.get('file_size'), String(8000 / 1024));
  });
});

describe('TA-sshtrail (the add-on itself)', () => {
  test('props.conf sets none of the fields the CIM leaves to asset and identity correlation, and no tag', () => {
    const set = new Set<string>();
    for (const [, stanza] of props)
      for (const [k, v] of stanza) {
        if (k.startsWith('EVAL-')) set.add(k.slice(5));
        if (k.startsWith('FIELDALIAS-'))
          for (const m of v.matchAll(/\S+\s+AS(?:NEW)?\s+(\S+)/gi)) set.add(m[1] as string);
      }
    for (const n of notAllowed) assert.ok(!set.has(n), n);
  });

  test('every search in the add-on names the index macro or a data model, and the macro exists', () => {
    const macros = conf('macros.conf');
    assert.ok(macros.get('sshtrail_index')?.get('definition'));
    const saved = conf('savedsearches.conf');
    assert.ok(saved.size >= 4);
    const covered = new Set<string>();
    for (const [name, s] of saved) {
      const q = s.get('search') ?? '';
      assert.ok(/^`sshtrail_index` |^\| tstats .* from datamodel=/.test(q), `${name}: ${q}`);
      for (const m of q.matchAll(/datamodel=([A-Za-z_.]+)/g)) {
        const ds = datasets.find((d) => d.name === m[1]);
        assert.ok(ds, `${name}: ${m[1]} is a dataset the add-on maps to`);
        covered.add(ds.name);
        // tstats names a dataset's fields by its own name: Processes.x for Endpoint.Processes.
        const prefix = ds.name === 'Network_Traffic' ? 'All_Traffic' : (ds.name.split('.').at(-1) as string);
        for (const f of q.matchAll(/\b([A-Za-z_]+)\.[a-z_]+\b/g))
          if (f[1] !== 'Endpoint') assert.equal(f[1], prefix, `${name}: ${f[0]}`);
      }
    }
    assert.deepEqual(
      [...covered].sort(),
      datasets.map((d) => d.name).sort(),
      'a saved search per data model',
    );
  });

  test('the Dashboard Studio view is valid: every visualisation has a data source, every query the index macro', () => {
    const xml = readFileSync(join(ta, 'default/data/ui/views/sshtrail_overview.xml'), 'utf8');
    assert.match(xml, /^<dashboard version="2"/);
    const def = /<definition><!\[CDATA\[([\s\S]*)\]\]><\/definition>/.exec(xml)?.[1];
    assert.ok(def, 'a CDATA definition');
    const d = JSON.parse(def) as {
      dataSources: Record<string, { type: string; options: { query: string } }>;
      visualizations: Record<string, { dataSources: { primary: string } }>;
      layout: { structure: { item: string }[]; globalInputs?: string[] };
      inputs: Record<string, { options: { token: string } }>;
    };
    for (const [id, ds] of Object.entries(d.dataSources)) {
      assert.equal(ds.type, 'ds.search', id);
      assert.match(ds.options.query, /^`sshtrail_index` |^\| tstats /, id);
      // Times sort as numbers (epoch _time); a converted time is a string and sorts as one.
      const q = ds.options.query;
      const sort = q.search(/\|\s*sort\b/);
      const conv = q.search(/convert\s+ctime|strftime|tostring\(_time/);
      assert.ok(sort < 0 || conv < 0 || sort < conv, `${id}: sorts after converting times: ${q}`);
      for (const tok of q.matchAll(/\$([a-z_.]+)\$/g))
        assert.ok(
          Object.values(d.inputs).some((i) => tok[1]?.startsWith(`${i.options.token}.`)),
          `${id}: token ${tok[0]}`,
        );
    }
    for (const [id, v] of Object.entries(d.visualizations))
      assert.ok(d.dataSources[v.dataSources.primary], `${id} -> ${v.dataSources.primary}`);
    const placed = new Set(d.layout.structure.map((s) => s.item));
    assert.deepEqual([...placed].sort(), Object.keys(d.visualizations).sort());
    for (const i of d.layout.globalInputs ?? []) assert.ok(d.inputs[i], i);
  });

  test('metadata exports the knowledge objects to every app (so the CIM data models see them)', () => {
    const meta = parseConf(readFileSync(join(ta, 'metadata/default.meta'), 'utf8'));
    assert.equal(meta.get('')?.get('export'), 'system');
  });

  test('app.conf names the add-on as Splunk packages it', () => {
    const app = conf('app.conf');
    assert.equal(app.get('package')?.get('id'), 'TA-sshtrail');
    assert.match(app.get('launcher')?.get('version') ?? '', /^\d+\.\d+\.\d+$/);
  });
});
