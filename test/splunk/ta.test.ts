/**
 * examples/splunk/TA-sshtrail against every example event, as Splunk would see it arriving through
 * the HEC sink (the sink's real envelope: indexed fields beside the JSON event): the JSON fields
 * extracted, the add-on's aliases and evals applied in Splunk's order, the eventtypes matched and
 * tagged; each event tagged into a CIM dataset has that dataset's required fields, with values
 * the data model expects. The add-on's other files are checked for what Splunk would refuse.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../../core/sinks/sink.js';
import { Encoder } from '../../sinks/splunk_hec/encoder.js';
import { repoRoot } from '../helpers/server.js';
import { applyProps, type Conf, extractJson, type Fields, matchesSearch, parseConf } from './spl.js';

const ta = join(repoRoot, 'examples/splunk/TA-sshtrail');
const conf = (name: string): Conf => parseConf(readFileSync(join(ta, 'default', name), 'utf8'));
const props = conf('props.conf');
const eventtypes = conf('eventtypes.conf');
const tags = conf('tags.conf');
const models = JSON.parse(readFileSync(join(repoRoot, 'test/splunk/cim-models.json'), 'utf8')) as {
  datasets: Record<
    string,
    { tags: string[]; required: string[]; numeric?: string[]; expected: Record<string, string[]> }
  >;
};
const SOURCETYPE = 'sshtrail:audit';

const examples: AuditEvent[] = readdirSync(join(repoRoot, 'examples/events'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(repoRoot, 'examples/events', f), 'utf8')) as AuditEvent);

/** The HEC envelope the sink sends for `e`, parsed as Splunk's HEC endpoint would. */
function envelope(e: AuditEvent): {
  fields: Record<string, string>;
  event: Record<string, unknown>;
  sourcetype: string;
} {
  const enc = new Encoder({ source: 'sshtrail', sourcetype: SOURCETYPE } as never);
  const json = `${enc.head(e)}${JSON.stringify(e)}}`;
  return JSON.parse(json) as {
    fields: Record<string, string>;
    event: Record<string, unknown>;
    sourcetype: string;
  };
}

/** Search-time fields of one event: indexed fields, JSON fields, then props. */
function searchTime(e: AuditEvent): { fields: Fields; eventtypes: string[]; tags: Set<string> } {
  const env = envelope(e);
  const extracted = extractJson(env.event);
  for (const [k, v] of Object.entries(env.fields)) {
    assert.equal(
      extracted.has(k),
      false,
      `indexed field ${k} would collide with the JSON field of that name`,
    );
    extracted.set(k, v);
  }
  extracted.set('sourcetype', env.sourcetype);
  const stanza = props.get(env.sourcetype);
  assert.ok(stanza, `props.conf has a [${env.sourcetype}] stanza`);
  const fields = applyProps(stanza, extracted);
  const types = [...eventtypes]
    .filter(([, s]) => matchesSearch(s.get('search') ?? '', fields))
    .map(([n]) => n);
  const tagSet = new Set<string>();
  for (const t of types)
    for (const [tag, state] of tags.get(`eventtype=${t}`) ?? []) if (state === 'enabled') tagSet.add(tag);
  return { fields, eventtypes: types, tags: tagSet };
}

describe('TA-sshtrail', () => {
  test('every example event falls into exactly one eventtype (audit.test into none)', () => {
    for (const e of examples) {
      const { eventtypes: types } = searchTime(e);
      assert.equal(types.length, e.type === 'audit.test' ? 0 : 1, `${e.type}: ${types.join(', ')}`);
    }
  });

  test('each event tagged into a CIM dataset has its required fields, with the values the data model expects', () => {
    const covered = new Set<string>();
    for (const e of examples) {
      const { fields, tags: tagSet } = searchTime(e);
      for (const [name, ds] of Object.entries(models.datasets)) {
        if (!ds.tags.every((t) => tagSet.has(t))) continue;
        covered.add(name);
        for (const req of ds.required) {
          const v = fields.get(req);
          assert.ok(v !== undefined && v !== null && v !== '', `${e.type} in ${name}: ${req} missing`);
        }
        for (const n of ds.numeric ?? []) {
          const v = fields.get(n);
          if (v !== undefined && v !== null) assert.match(String(v), /^-?[0-9]+$/, `${e.type}: ${n} numeric`);
        }
        for (const [field, allowed] of Object.entries(ds.expected)) {
          const v = fields.get(field);
          if (v === undefined || v === null) continue;
          for (const x of Array.isArray(v) ? v : [v])
            assert.ok(
              allowed.includes(x),
              `${e.type} in ${name}: ${field}=${x} not one of ${allowed.join(', ')}`,
            );
        }
        assert.equal(fields.get('vendor_product'), 'sshtrail');
      }
    }
    assert.deepEqual(
      [...covered].sort(),
      Object.keys(models.datasets).sort(),
      'every dataset has an example',
    );
  });

  test('the mappings say what happened: outcomes, addresses and the command line', () => {
    const by = (type: string) => searchTime(examples.find((e) => e.type === type) as AuditEvent).fields;
    const failure = by('auth.failure');
    assert.equal(failure.get('action'), 'failure');
    assert.equal(failure.get('src'), '198.51.100.7');
    assert.equal(failure.get('user'), 'root');
    assert.match(String(failure.get('signature')), /key_not_authorized/);
    const cmd = by('session.command');
    assert.equal(cmd.get('process'), 'ls -la /etc');
    assert.equal(cmd.get('process_exec'), 'ls');
    assert.equal(cmd.get('process_path'), '/usr/bin/ls');
    assert.equal(cmd.get('action'), 'allowed');
    const disk = by('session.disk');
    assert.equal(disk.get('action'), 'read');
    assert.equal(disk.get('file_name'), 'passwd');
    const net = by('session.network');
    // return_code -115 (EINPROGRESS) is a connect under way, not a failure.
    assert.equal(net.get('action'), 'allowed');
    assert.equal(net.get('dest'), '93.184.216.34');
    assert.equal(net.get('dest_port'), '443');
    assert.equal(net.get('src'), '10.0.0.5');
    assert.equal(net.get('protocol_version'), 'ipv4');
    // A write open is a modification; a refused connect is blocked.
    const w = searchTime({
      ...examples.find((e) => e.type === 'session.disk'),
      flag_names: ['O_WRONLY', 'O_TRUNC'],
    } as never);
    assert.equal(w.fields.get('action'), 'modified');
    const refused = searchTime({
      ...examples.find((e) => e.type === 'session.network'),
      return_code: -111,
    } as never);
    assert.equal(refused.fields.get('action'), 'blocked');
    assert.equal(refused.fields.get('status'), 'failure');
  });

  test('every search in the add-on names the index macro or a data model, and the macro exists', () => {
    const macros = conf('macros.conf');
    assert.ok(macros.get('sshtrail_index')?.get('definition'));
    const saved = conf('savedsearches.conf');
    assert.ok(saved.size >= 4);
    for (const [name, s] of saved) {
      const q = s.get('search') ?? '';
      assert.ok(/`sshtrail_index`|datamodel=/.test(q), `${name}: ${q}`);
      for (const m of q.matchAll(/datamodel=([A-Za-z_.]+)/g))
        assert.ok(
          Object.keys(models.datasets).some((d) => d === m[1] || d.startsWith(`${m[1]}.`)),
          `${name}: ${m[1]}`,
        );
    }
  });

  test('the Dashboard Studio view is valid: every visualisation has a data source, every query the index macro', () => {
    const xml = readFileSync(join(ta, 'default/data/ui/views/sshtrail_overview.xml'), 'utf8');
    assert.match(xml, /^<dashboard version="2"/);
    const def = /<!\[CDATA\[([\s\S]*)\]\]>/.exec(xml)?.[1];
    assert.ok(def, 'a CDATA definition');
    const d = JSON.parse(def) as {
      dataSources: Record<string, { type: string; options: { query: string } }>;
      visualizations: Record<string, { dataSources: { primary: string } }>;
      layout: { structure: { item: string }[]; globalInputs?: string[] };
      inputs: Record<string, unknown>;
    };
    for (const [id, ds] of Object.entries(d.dataSources)) {
      assert.equal(ds.type, 'ds.search', id);
      assert.match(ds.options.query, /^`sshtrail_index` /, id);
      // Times sort as times: no convert/strftime before a sort.
      assert.doesNotMatch(ds.options.query, /convert ctime|strftime/, id);
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
});
