/** The shipped example configs load as `serve` would load them; the Kibana dashboard refers to fields the sink writes. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../core/compose/config.js';
import { packageRoot } from '../../core/paths.js';
import { type PipelineConfig, resolveSettings } from '../../core/pipeline/options.js';
import { ecsFieldTypes, sshtrailFieldTypes } from '../../sinks/elasticsearch/ecs-fields.js';
import { INDEX_PATTERN } from '../../sinks/elasticsearch/templates.js';
import { sinkTypes } from '../../sinks/registry.js';

const root = packageRoot();

test('every example config validates and names its sink type', () => {
  const dir = join(root, 'examples/configs');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.deepEqual(files.sort(), ['elasticsearch.yaml', 'fluentd.yaml', 'splunk_hec.yaml', 'syslog.yaml']);
  for (const f of files) {
    const config = loadConfig(join(dir, f), { data_dir: '/tmp/sshtrail-example' });
    const settings = resolveSettings(config as unknown as PipelineConfig, sinkTypes);
    assert.equal(settings.sinks.length, 1, f);
    assert.equal(settings.sinks[0]?.type, f.replace('.yaml', ''), f);
  }
});

const known = (field: string) =>
  field in ecsFieldTypes ||
  (field.startsWith('sshtrail.') && field.slice('sshtrail.'.length) in sshtrailFieldTypes);

test("the Kibana saved objects import cleanly: one data view on the sink's data streams, resolvable references, known fields", () => {
  const lines = readFileSync(join(root, 'examples/dashboards/kibana-sshtrail.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const objects = lines.map(
    (l) =>
      JSON.parse(l) as {
        id: string;
        type: string;
        attributes: Record<string, unknown>;
        references: { id: string; type: string }[];
      },
  );
  const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
  assert.equal(ids.size, objects.length, 'unique ids');
  const views = objects.filter((o) => o.type === 'index-pattern');
  assert.equal(views.length, 1);
  assert.equal(views[0]?.attributes.title, INDEX_PATTERN);
  assert.equal(views[0]?.attributes.timeFieldName, '@timestamp');
  for (const o of objects) {
    for (const r of o.references) assert.ok(ids.has(`${r.type}:${r.id}`), `${o.id} -> ${r.type}:${r.id}`);
    if (o.type === 'search') {
      for (const c of o.attributes.columns as string[]) assert.ok(known(c), `${o.id}: column ${c}`);
      const ss = JSON.parse(
        (o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
      ) as { query: { query: string } };
      for (const m of ss.query.query.matchAll(/([a-z_.@]+) :/g))
        assert.ok(known(m[1] as string), `${o.id}: query field ${m[1]}`);
    }
  }
  assert.ok(objects.some((o) => o.type === 'dashboard'));
});
