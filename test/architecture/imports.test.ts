/**
 * The folder-level import graph of core/, bpf/ and sinks/, read from the TypeScript sources. A
 * folder is a module: core/<name>, sinks/<name> and bpf/ with whatever lies below them (so
 * core/cli/commands is part of core/cli); the files directly in core/ and sinks/ are a folder of
 * their own. The rule is that dependencies point inward: No two folders import each other (directly or round a longer loop),
 * sinks/ and bpf/ never import each other, and core/ reaches sinks/ or bpf/ only from the
 * composition root (core/compose). Type-only imports count: a cycle of types is still
 * two folders that cannot be understood, or moved, one without the other.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../core/paths.js';

const root = packageRoot();
const roots = ['core', 'bpf', 'sinks'];

/**
 * Folder pairs that still import each other, each to be deleted when its fix is merged.
 * core/events <-> core/sinks: AuditEvent moves into core/events (the "events" part of issue 14).
 */
const knownCycles: ReadonlySet<string> = new Set<string>([]);

/** The one folder of core/ allowed to import sinks/ and bpf/: the one that builds the system. */
const compositionRoots = ['core/compose'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** The module a file belongs to (see the top of this file). */
function folderOf(file: string): string {
  const parts = dirname(file).split('/');
  return parts[0] === 'bpf' ? 'bpf' : parts.slice(0, 2).join('/');
}

/** Every relative module a file imports: static, re-exported, type-only and dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) specs.push(m[1] as string);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The folder-level graph: folder -> folders it imports (with one file that does, for messages). */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of roots.flatMap(sources)) {
    const from = folderOf(file);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to === from || relative(root, join(root, to)).startsWith('..')) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      graph.set(from, edges);
      if (!edges.has(to)) edges.set(to, `${file} -> ${target}`);
    }
  }
  return graph;
}

/** Strongly connected components of more than one folder (Tarjan). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const top = (folder: string) => folder.split('/')[0] as string;
const within = (folder: string, base: string) => folder === base || folder.startsWith(`${base}/`);

test('no import cycle between folders of core/, bpf/ and sinks/', () => {
  const graph = folderGraph();
  const edge = (a: string, b: string) => graph.get(a)?.get(b);
  // The known pairs are taken out of the graph, so that any other cycle still shows.
  for (const pair of knownCycles) {
    const [a, b] = pair.split(' <-> ') as [string, string];
    assert.ok(edge(a, b) && edge(b, a), `${pair} no longer import each other: delete it from knownCycles`);
    graph.get(a)?.delete(b);
  }
  const found = cycles(graph).map((scc) => {
    const lines = scc.flatMap((a) => scc.map((b) => edge(a, b)).filter((e) => e !== undefined));
    return `${scc.join(' <-> ')}\n    ${lines.join('\n    ')}`;
  });
  assert.deepEqual(found, [], `folders that import each other:\n  ${found.join('\n  ')}`);
});

test('sinks/ and bpf/ never import each other, nor one sink folder another', () => {
  const bad: string[] = [];
  for (const [from, edges] of folderGraph()) {
    for (const [to, why] of edges) {
      const crosses = top(from) !== 'core' && top(to) !== 'core' && top(from) !== top(to);
      // sinks/registry.ts (folder sinks) lists the sink folders; the sink folders stand alone.
      const sideways = top(from) === 'sinks' && from !== 'sinks' && within(to, 'sinks') && !within(to, from);
      if (crosses || sideways) bad.push(why);
    }
  }
  assert.deepEqual(bad, []);
});

test('core/ imports sinks/ and bpf/ only from the composition root', () => {
  const bad: string[] = [];
  for (const [from, edges] of folderGraph()) {
    if (top(from) !== 'core' || compositionRoots.some((r) => within(from, r))) continue;
    for (const [to, why] of edges) if (top(to) !== 'core') bad.push(why);
  }
  assert.deepEqual(bad, []);
});
